package io.consentgate.replay;

import io.consentgate.engine.Policy;
import io.consentgate.engine.PolicyException;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.PrintWriter;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code consentgate evaluate}: decides scenario files or a JSON-lines history offline. */
@Command(
        name = "evaluate",
        mixinStandardHelpOptions = true,
        description = {
            "Decides sends against consent histories from files, without Kafka or Flink.",
            "",
            "--scenarios runs scenario files (scenarios/FORMAT.md) and prints each expectation"
                    + " that is not met, then the line 'N passed, M failed'.",
            "--events decides a JSON-lines file of consent and send events (one ledger per"
                    + " tenant+subject, applied order over the whole file) and prints one JSON"
                    + " decision per send.",
        },
        exitCodeListHeading = "%nExit codes:%n",
        exitCodeList = {
            "0:every expectation met (--events: every send decided)",
            "1:some expectation not met, or the engine failed",
            "2:invalid input: unreadable file, scenario or policy, bad option"
        })
final class EvaluateCommand implements Callable<Integer> {

    static final class Input {
        @Option(
                names = "--scenarios",
                arity = "1..*",
                paramLabel = "PATH",
                description = "Scenario files or folders (every *.json below, sorted).")
        List<Path> scenarios;

        @Option(
                names = "--events",
                paramLabel = "FILE.jsonl",
                description =
                        "JSON-lines events, one consent or send object per line; - reads stdin.")
        Path events;
    }

    @ArgGroup(exclusive = true, multiplicity = "1")
    Input input;

    @Option(
            names = "--policy",
            paramLabel = "FILE.yaml",
            description = "Policy document (default: the built-in default policy).")
    Path policyFile;

    @Spec CommandSpec spec;

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        try {
            // Read all input before deciding anything: a format error stops the run up front.
            if (input.scenarios != null) {
                List<Scenario> scenarios = ScenarioReader.readAll(input.scenarios);
                return evaluateScenarios(new ScenarioRunner(loadPolicy()), scenarios, out, err);
            }
            List<ScenarioEvent> events = readEvents();
            return evaluateEvents(new ScenarioRunner(loadPolicy()), events, out, err);
        } catch (ScenarioFormatException | PolicyException e) {
            err.println("error: " + e.getMessage());
            return ConsentgateCli.EXIT_INVALID_INPUT;
        } finally {
            out.flush();
            err.flush();
        }
    }

    private static int evaluateScenarios(
            ScenarioRunner runner, List<Scenario> scenarios, PrintWriter out, PrintWriter err) {
        RunResult result = runner.run(scenarios);
        for (ScenarioResult s : result.scenarios()) {
            if (s.error() != null) {
                err.println(
                        "error: "
                                + s.scenario().file()
                                + ": "
                                + s.scenario().name()
                                + ": "
                                + s.error());
            }
            for (ExpectationFailure f : s.failures()) {
                out.println(f.describe());
            }
        }
        out.println(result.summary());
        return result.ok() ? ConsentgateCli.EXIT_OK : ConsentgateCli.EXIT_FAILED;
    }

    private List<ScenarioEvent> readEvents() throws ScenarioFormatException {
        if (input.events.toString().equals("-")) {
            Reader stdin = new InputStreamReader(System.in, StandardCharsets.UTF_8);
            return ScenarioReader.readEvents("<stdin>", stdin);
        }
        return ScenarioReader.readEvents(input.events);
    }

    private int evaluateEvents(
            ScenarioRunner runner, List<ScenarioEvent> events, PrintWriter out, PrintWriter err) {
        try {
            runner.replay(events, d -> out.println(DecisionJson.format(d)));
        } catch (ReplayException e) {
            err.println("error: " + input.events + ": " + e.getMessage());
            return ConsentgateCli.EXIT_FAILED;
        }
        return ConsentgateCli.EXIT_OK;
    }

    private Policy loadPolicy() throws PolicyException, ScenarioFormatException {
        if (policyFile == null) {
            return Policy.defaultPolicy();
        }
        try (InputStream in = Files.newInputStream(policyFile)) {
            return Policy.fromYaml(in);
        } catch (NoSuchFileException e) {
            throw new ScenarioFormatException(policyFile + ": no such file", e);
        } catch (IOException e) {
            throw new ScenarioFormatException(policyFile + ": cannot read: " + e, e);
        } catch (PolicyException e) {
            throw new PolicyException(policyFile + ": " + e.getMessage());
        }
    }
}
