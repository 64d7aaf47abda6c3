package io.consentgate.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import picocli.CommandLine;

/**
 * Entry point of {@code bin/consentgate demo}. Chooses the run directory and points logging at a
 * file in it before anything logs, so the terminal belongs to the live view.
 *
 * <p>System properties: {@value #DIR_PROPERTY} (parent of the run directories; the launcher sets
 * {@code jobs/demo/target/demo-run}).
 */
public final class DemoMain {
    /** Parent directory of the run directories. */
    public static final String DIR_PROPERTY = "consentgate.demo.dir";

    /** The log file, set by {@link #main} for the log configuration. */
    static final String LOG_PROPERTY = "consentgate.demo.log";

    /** Run directories kept; older ones are deleted when a new run starts. */
    static final int KEEP_RUNS = 3;

    private static final Pattern RUN_NAME = Pattern.compile("\\d{8}-\\d{6}(-\\d+)?");

    private DemoMain() {}

    public static void main(String[] args) {
        Path root =
                Path.of(
                        System.getProperty(
                                DIR_PROPERTY,
                                Path.of(
                                                System.getProperty("java.io.tmpdir"),
                                                "consentgate-demo-run")
                                        .toString()));
        Path runDir = newRunDir(root.toAbsolutePath());
        if (System.getProperty("log4j2.configurationFile") == null
                && System.getProperty("log4j.configurationFile") == null) {
            System.setProperty("log4j2.configurationFile", "consentgate-demo-log4j2.xml");
        }
        System.setProperty(LOG_PROPERTY, runDir.resolve("demo.log").toString());
        // Log4j's own warnings (e.g. about a library's log call with a wrong argument count) would
        // otherwise go to the terminal.
        System.setProperty("log4j2.statusLoggerLevel", "ERROR");
        int code =
                new CommandLine(new DemoCommand(System.out, runDir))
                        .setCaseInsensitiveEnumValuesAllowed(true)
                        .execute(args);
        System.exit(code);
    }

    /**
     * {@code <root>/<yyyyMMdd-HHmmss>}, with a suffix if that exists already (not created); deletes
     * all but the newest {@code KEEP_RUNS - 1} earlier run directories.
     */
    static Path newRunDir(Path root) {
        pruneRuns(root);
        String base = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss"));
        Path p = root.resolve(base);
        for (int i = 2; Files.exists(p); i++) {
            p = root.resolve(base + "-" + i);
        }
        return p;
    }

    private static void pruneRuns(Path root) {
        if (!Files.isDirectory(root)) {
            return;
        }
        List<Path> runs;
        try (Stream<Path> s = Files.list(root)) {
            runs =
                    s.filter(p -> RUN_NAME.matcher(p.getFileName().toString()).matches())
                            .sorted(Comparator.comparing((Path p) -> p.getFileName().toString()))
                            .collect(Collectors.toList());
        } catch (IOException e) {
            return;
        }
        for (int i = 0; i < runs.size() - (KEEP_RUNS - 1); i++) {
            try (Stream<Path> s = Files.walk(runs.get(i))) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException | UncheckedIOException e) {
                // Best effort: an old run folder is only clutter.
            }
        }
    }
}
