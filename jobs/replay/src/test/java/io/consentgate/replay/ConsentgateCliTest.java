package io.consentgate.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** The CLI run in-process with captured output. */
class ConsentgateCliTest {

    private static final String GB_CONSENT =
            "{\"kind\": \"consent\", \"id\": \"ce-1\", \"at\": \"2026-01-12T10:15:00Z\","
                    + " \"tenant\": \"t1\", \"subject\": \"s1\", \"type\": \"CONSENT_GRANTED\","
                    + " \"brand\": \"b1\", \"channel\": \"EMAIL\", \"evidence\": {\"method\":"
                    + " \"DOUBLE_OPT_IN\", \"source\": \"web\", \"capturedAt\":"
                    + " \"2026-01-12T10:15:00Z\"}}";

    private static String gbEmail(String id, String subject, String at) {
        return "{\"kind\": \"send\", \"id\": \""
                + id
                + "\", \"at\": \""
                + at
                + "\", \"tenant\": \"t1\", \"subject\": \""
                + subject
                + "\", \"brand\": \"b1\", \"channel\": \"EMAIL\", \"category\": \"MARKETING\","
                + " \"purpose\": \"newsletter\", \"jurisdiction\": \"GB\", \"recipientType\":"
                + " \"INDIVIDUAL\", \"timeZone\": \"Europe/London\", \"content\":"
                + " {\"senderIdentified\": true, \"unsubscribe\": true, \"objectionNotice\": true}}";
    }

    /** Consent then an email allowed on it, a repeat blocked as duplicate, a stranger blocked. */
    private static final String SCENARIO =
            "[{\"name\": \"consented email\", \"events\": ["
                    + GB_CONSENT
                    + ","
                    + gbEmail("m1", "s1", "2026-03-02T09:00:00Z")
                    + ","
                    + gbEmail("m1", "s1", "2026-03-03T09:00:00Z")
                    + "], \"expect\": [{\"id\": \"m1\", \"verdict\": \"ALLOW\", \"basis\":"
                    + " \"CONSENT\"}, {\"id\": \"m1\", \"occurrence\": 2, \"verdict\": \"BLOCK\","
                    + " \"reason\": \"DUPLICATE_SEND\"}]}]";

    private record Run(int exitCode, String out, String err) {
        List<String> outLines() {
            return Arrays.asList(out.split("\\R"));
        }
    }

    private static Run run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        CommandLine cli = ConsentgateCli.commandLine();
        cli.setOut(new PrintWriter(out, true));
        cli.setErr(new PrintWriter(err, true));
        int code = cli.execute(args);
        return new Run(code, out.toString(), err.toString());
    }

    @Test
    void exitsZeroWithTheSummaryAloneOnTheLastLineWhenEverythingPasses(@TempDir Path dir)
            throws Exception {
        Files.writeString(dir.resolve("ok.json"), SCENARIO);

        Run run = run("evaluate", "--scenarios", dir.toString());

        assertThat(run.err()).isEmpty();
        assertThat(run.outLines()).containsExactly("2 passed, 0 failed");
        assertThat(run.exitCode()).isZero();
    }

    @Test
    void exitsOneAndPrintsEachFailureWhenAnExpectationIsNotMet(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("ok.json"), SCENARIO);
        Files.writeString(
                dir.resolve("wrong.json"),
                SCENARIO.replace("consented email", "wrong expectation")
                        .replace(
                                "\"verdict\": \"ALLOW\", \"basis\": \"CONSENT\"",
                                "\"verdict\": \"BLOCK\", \"reason\": \"NO_LAWFUL_BASIS\""));

        Run run =
                run(
                        "evaluate",
                        "--scenarios",
                        dir.resolve("ok.json").toString(),
                        dir.resolve("wrong.json").toString());

        assertThat(run.exitCode()).isEqualTo(1);
        assertThat(run.out())
                .contains("FAIL " + dir.resolve("wrong.json") + ": wrong expectation")
                .contains("send m1 (occurrence 1)")
                .contains("expected: BLOCK reason=NO_LAWFUL_BASIS")
                .contains("actual:   ALLOW basis=CONSENT reasons=[]");
        List<String> lines = run.outLines();
        assertThat(lines.get(lines.size() - 1)).isEqualTo("3 passed, 1 failed");
    }

    @Test
    void exitsTwoWithAClearMessageOnAnInvalidScenarioFile(@TempDir Path dir) throws Exception {
        Files.writeString(
                dir.resolve("bad.json"),
                SCENARIO.replace(
                        "\"channel\": \"EMAIL\", \"category\"",
                        "\"channel\": \"FAX\", \"category\""));

        Run run = run("evaluate", "--scenarios", dir.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err().strip())
                .startsWith(
                        "error: "
                                + dir.resolve("bad.json")
                                + ": scenario #1 \"consented email\": events[1].channel: unknown value \"FAX\"")
                .doesNotContain("\tat ");
    }

    @Test
    void exitsTwoOnAMissingPathOrMissingMode(@TempDir Path dir) {
        Run missing = run("evaluate", "--scenarios", dir.resolve("nope").toString());
        assertThat(missing.exitCode()).isEqualTo(2);
        assertThat(missing.err()).contains("nope: no such file or folder");

        assertThat(run("evaluate").exitCode()).isEqualTo(2);
        assertThat(run().exitCode()).isEqualTo(2);
    }

    @Test
    void decidesAJsonLinesStreamPrintingOneDecisionPerSendInAppliedOrder(@TempDir Path dir)
            throws Exception {
        Path events = dir.resolve("events.jsonl");
        Files.writeString(
                events,
                String.join(
                        "\n",
                        gbEmail("m2", "s2", "2026-03-02T09:00:00Z"),
                        gbEmail("m1", "s1", "2026-03-02T08:00:00Z"),
                        GB_CONSENT,
                        ""));

        Run run = run("evaluate", "--events", events.toString());

        assertThat(run.err()).isEmpty();
        assertThat(run.exitCode()).isZero();
        List<String> lines = run.outLines();
        assertThat(lines).hasSize(2);
        ObjectMapper json = new ObjectMapper();
        JsonNode first = json.readTree(lines.get(0));
        JsonNode second = json.readTree(lines.get(1));
        assertThat(first.get("id").asText()).isEqualTo("m1");
        assertThat(first.get("verdict").asText()).isEqualTo("ALLOW");
        assertThat(first.get("basis").asText()).isEqualTo("CONSENT");
        assertThat(first.get("decidingEventIds"))
                .extracting(JsonNode::asText)
                .containsExactly("ce-1");
        assertThat(first.get("notBefore").isNull()).isTrue();
        assertThat(second.get("id").asText()).isEqualTo("m2");
        assertThat(second.get("subject").asText()).isEqualTo("s2");
        assertThat(second.get("verdict").asText()).isEqualTo("BLOCK");
        assertThat(second.get("reasons")).extracting(JsonNode::asText).contains("NO_LAWFUL_BASIS");
        assertThat(first.fieldNames())
                .toIterable()
                .containsExactly(
                        "id",
                        "tenant",
                        "subject",
                        "verdict",
                        "reasons",
                        "basis",
                        "decidingEventIds",
                        "policyId",
                        "policyVersion",
                        "notBefore");
    }

    @Test
    void exitsTwoNamingTheLineOfAnInvalidJsonLine(@TempDir Path dir) throws Exception {
        Path events = dir.resolve("events.jsonl");
        Files.writeString(events, GB_CONSENT + "\n{\"kind\": \"send\", \"id\": \"m1\"}\n");

        Run run = run("evaluate", "--events", events.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.out()).isEmpty();
        assertThat(run.err()).startsWith("error: " + events + ": line 2: at: missing");
    }

    @Test
    void exitsTwoOnAnUnreadablePolicy(@TempDir Path dir) throws Exception {
        Files.writeString(dir.resolve("ok.json"), SCENARIO);

        Run run =
                run(
                        "evaluate",
                        "--policy",
                        dir.resolve("none.yaml").toString(),
                        "--scenarios",
                        dir.toString());

        assertThat(run.exitCode()).isEqualTo(2);
        assertThat(run.err()).contains("none.yaml: no such file");
    }

    @Test
    void printsVersionAndHelp() {
        assertThat(run("--version").out()).startsWith("consentgate ");
        Run help = run("evaluate", "--help");
        assertThat(help.exitCode()).isZero();
        assertThat(help.out()).contains("--scenarios", "--events", "--policy");
    }
}
