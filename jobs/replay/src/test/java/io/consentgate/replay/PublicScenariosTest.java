package io.consentgate.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgate.engine.Policy;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * Runs every scenario file of the repository's {@code scenarios/} folder through the real engine,
 * and the shared public suite beside the repository when there is one. One test per scenario.
 */
class PublicScenariosTest {

    /** The nearest folder at or above the module that has both {@code scenarios/} and a pom. */
    static Path repositoryRoot() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("scenarios"))
                    && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
        }
        throw new IllegalStateException(
                "no folder with scenarios/ and pom.xml above " + Path.of("").toAbsolutePath());
    }

    static List<Path> scenarioFiles() throws Exception {
        Path root = repositoryRoot();
        List<Path> files =
                new ArrayList<>(
                        ScenarioReader.findScenarioFiles(List.of(root.resolve("scenarios"))));
        Path shared = root.resolveSibling("shared").resolve("scenarios").resolve("public");
        if (Files.isDirectory(shared)) {
            for (Path file : ScenarioReader.findScenarioFiles(List.of(shared))) {
                if (!isCopiedIntoRepository(file, files)) {
                    files.add(file);
                }
            }
        }
        return files;
    }

    /** The repository keeps a copy of the shared public suite; it need not run twice. */
    private static boolean isCopiedIntoRepository(Path shared, List<Path> repoFiles)
            throws IOException {
        for (Path own : repoFiles) {
            if (own.getFileName().equals(shared.getFileName())
                    && Files.mismatch(own, shared) == -1) {
                return true;
            }
        }
        return false;
    }

    @TestFactory
    Stream<DynamicNode> everyScenarioMeetsItsExpectations() throws Exception {
        ScenarioRunner runner = new ScenarioRunner(Policy.defaultPolicy());
        Path root = repositoryRoot().getParent();
        List<DynamicNode> perFile = new ArrayList<>();
        for (Path file : scenarioFiles()) {
            List<Scenario> scenarios = ScenarioReader.read(file);
            perFile.add(
                    DynamicContainer.dynamicContainer(
                            root.relativize(file.toAbsolutePath()).toString(),
                            file.toUri(),
                            scenarios.stream()
                                    .map(
                                            s ->
                                                    DynamicTest.dynamicTest(
                                                            s.name(), () -> check(runner, s)))));
        }
        assertThat(perFile).as("scenario files").isNotEmpty();
        return perFile.stream();
    }

    private static void check(ScenarioRunner runner, Scenario scenario) {
        ScenarioResult result = runner.run(scenario);
        assertThat(result.failures())
                .as(
                        () ->
                                result.failures().stream()
                                        .map(ExpectationFailure::describe)
                                        .collect(Collectors.joining("\n", "\n", "\n")))
                .isEmpty();
    }
}
