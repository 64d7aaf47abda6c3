package io.consentgate.demo;

import java.io.PrintStream;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import picocli.CommandLine.Command;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/** {@code consentgate demo}: the whole pipeline on this machine, with a live view. */
@Command(
        name = "consentgate demo",
        sortOptions = false,
        usageHelpAutoWidth = true,
        description = {
            "Runs the compliance filter end to end on this machine: a Kafka broker (KRaft) and an"
                    + " Apicurio schema registry (Confluent API) on 127.0.0.1, every topic created"
                    + " and every value schema registered under <topic>-value, the filter job on a"
                    + " local Flink MiniCluster (RocksDB, exactly-once), and a traffic generator.",
            "A live view shows sends in and decided per second, verdicts, top reasons, decision"
                    + " lag, dead letters and retroactive alerts; the Flink web UI and a Prometheus"
                    + " endpoint run on localhost (ports printed at start).",
            "With --count or --duration the run ends when every send is decided: the job stops"
                    + " with a savepoint (committing every output) and a summary is printed."
                    + " Ctrl-C stops everything at any time.",
            ""
        },
        footer = {
            "",
            "Files (log, audit trail sample, dead-letter index) go to"
                    + " jobs/demo/target/demo-run/<run>/; broker data, RocksDB state and"
                    + " checkpoints there are deleted at exit, and only the last "
                    + DemoMain.KEEP_RUNS
                    + " run folders are kept.",
            "Examples:",
            "  bin/consentgate demo",
            "  bin/consentgate demo --count 20000 --headless",
            "  bin/consentgate demo --duration 2m --rate 500 --subjects 50000"
        })
public final class DemoCommand implements Callable<Integer> {

    @Spec picocli.CommandLine.Model.CommandSpec spec;

    @Option(
            names = "--count",
            paramLabel = "N",
            description =
                    "Stop after N sends (records on sends.requested, corrupt ones included),"
                            + " let the job decide every send, print a summary and exit. Default: no bound.")
    long count;

    @Option(
            names = "--duration",
            paramLabel = "TIME",
            converter = DurationConverter.class,
            description =
                    "Stop after this much live traffic (e.g. 90s, 5m, 1h, PT2M), let the job decide"
                            + " every send, print a summary and exit. Default: no bound.")
    Duration duration;

    @Option(
            names = "--rate",
            paramLabel = "SENDS_PER_S",
            defaultValue = "1000",
            description =
                    "Sends per second, in event time and on the wall clock. Default:"
                            + " ${DEFAULT-VALUE}.")
    double rate;

    @Option(
            names = "--subjects",
            paramLabel = "N",
            defaultValue = "10000",
            description =
                    "Subjects (pseudonymous customers) across 3 tenants; each gets a consent history"
                            + " before the first send. Default: ${DEFAULT-VALUE}.")
    int subjects;

    @Option(
            names = "--seed",
            paramLabel = "N",
            defaultValue = "42",
            description =
                    "Seed of the generator: the same seed gives the same records. Default: ${DEFAULT-VALUE}.")
    long seed;

    @Option(
            names = "--corrupt-fraction",
            paramLabel = "F",
            defaultValue = "0.001",
            description =
                    "Fraction of records written as corrupt bytes (bad magic byte, truncated Avro,"
                            + " unknown schema id, garbage); each must reach compliance.dlq."
                            + " Default: ${DEFAULT-VALUE}.")
    double corruptFraction;

    @Option(
            names = "--late-fraction",
            paramLabel = "F",
            defaultValue = "0.01",
            description =
                    "Fraction of live consent events that arrive late (dated before sends already"
                            + " decided), raising retroactive alerts. Default: ${DEFAULT-VALUE}.")
    double lateFraction;

    @Option(
            names = "--parallelism",
            paramLabel = "N",
            defaultValue = "2",
            description = "Parallelism of the filter job (task slots). Default: ${DEFAULT-VALUE}.")
    int parallelism;

    @Option(
            names = "--partitions",
            paramLabel = "N",
            defaultValue = "4",
            description = "Partitions of each topic the demo creates. Default: ${DEFAULT-VALUE}.")
    int partitions;

    @Option(
            names = "--checkpoint-interval",
            paramLabel = "TIME",
            defaultValue = "2s",
            converter = DurationConverter.class,
            description =
                    "Checkpoint interval: exactly-once outputs become visible at each checkpoint."
                            + " Default: ${DEFAULT-VALUE}.")
    Duration checkpointInterval;

    @Option(
            names = "--bootstrap-servers",
            paramLabel = "HOST:PORT[,...]",
            description =
                    "Use this Kafka cluster instead of starting a broker. Topics are created if"
                            + " missing; the job reads only records written after it starts.")
    String bootstrapServers;

    @Option(
            names = "--registry-url",
            paramLabel = "URL",
            description =
                    "Use this Confluent-compatible schema registry (the API root, e.g."
                            + " http://host:8081 or Apicurio's .../apis/ccompat/v7) instead of"
                            + " starting one.")
    String registryUrl;

    @Option(
            names = "--kafka",
            paramLabel = "KEY=VALUE",
            description =
                    "A Kafka client property for every client of the demo and of the job, e.g."
                            + " --kafka security.protocol=SASL_SSL (repeat for more).")
    Map<String, String> kafka = new LinkedHashMap<>();

    @Option(
            names = "--headless",
            description =
                    "Print one plain progress line per second instead of redrawing the screen"
                            + " (automatic when the output is not a terminal).")
    boolean headless;

    @Option(
            names = "--keep-running",
            description =
                    "After --count/--duration and the summary, keep the broker, registry and web UI"
                            + " up until Ctrl-C, to inspect the topics.")
    boolean keepRunning;

    @Option(
            names = {"-h", "--help"},
            usageHelp = true,
            description = "Show this help and exit.")
    boolean help;

    private final PrintStream out;
    private final Path runDir;

    /**
     * @param runDir where this run's files go (created on start)
     */
    public DemoCommand(PrintStream out, Path runDir) {
        this.out = out;
        this.runDir = runDir;
    }

    Demo.Options options() {
        if (count < 0) {
            throw new ParameterException(spec.commandLine(), "--count must be positive");
        }
        if (duration != null && (duration.isNegative() || duration.isZero())) {
            throw new ParameterException(spec.commandLine(), "--duration must be positive");
        }
        if (!(rate > 0) || rate > 1_000_000) {
            throw new ParameterException(spec.commandLine(), "--rate must be in (0, 1000000]");
        }
        if (subjects < 1) {
            throw new ParameterException(spec.commandLine(), "--subjects must be at least 1");
        }
        for (double f : new double[] {corruptFraction, lateFraction}) {
            if (!(f >= 0 && f <= 1)) {
                throw new ParameterException(
                        spec.commandLine(), "--corrupt-fraction and --late-fraction are in [0, 1]");
            }
        }
        if (parallelism < 1 || partitions < 1) {
            throw new ParameterException(
                    spec.commandLine(), "--parallelism and --partitions must be at least 1");
        }
        return new Demo.Options(
                count,
                duration,
                rate,
                subjects,
                seed,
                corruptFraction,
                lateFraction,
                parallelism,
                partitions,
                checkpointInterval,
                blankToNull(bootstrapServers),
                blankToNull(registryUrl),
                Map.copyOf(kafka),
                headless || System.console() == null,
                keepRunning,
                runDir);
    }

    @Override
    public Integer call() throws Exception {
        Demo.Options o = options();
        out.println("consentgate demo: starting (files in " + runDir + ")");
        out.flush();
        CountDownLatch finished = new CountDownLatch(1);
        Demo[] running = new Demo[1];
        boolean[] interrupted = new boolean[1];
        // Ctrl-C: ask the run to stop, then let it take everything down before the JVM exits.
        Thread hook =
                new Thread(
                        () -> {
                            interrupted[0] = true;
                            Demo d = running[0];
                            if (d != null) {
                                d.requestStop();
                            }
                            try {
                                finished.await(90, TimeUnit.SECONDS);
                            } catch (InterruptedException e) {
                                Thread.currentThread().interrupt();
                            }
                        },
                        "consentgate-demo-shutdown");
        Runtime.getRuntime().addShutdownHook(hook);
        try (Demo demo = Demo.start(o, out)) {
            running[0] = demo;
            if (interrupted[0]) {
                return 130;
            }
            Demo.Outcome outcome = demo.run();
            DemoReport.print(out, demo, outcome);
            if (outcome == Demo.Outcome.COMPLETED && o.keepRunning()) {
                out.println();
                out.println("--keep-running: everything stays up until Ctrl-C.");
                out.flush();
                demo.awaitStop();
            }
            out.println("Stopping: job, MiniCluster, broker, registry...");
            out.flush();
            return switch (outcome) {
                case COMPLETED -> 0;
                case INTERRUPTED -> 130;
                case FAILED -> 1;
            };
        } finally {
            out.println("Stopped.");
            out.flush();
            finished.countDown();
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // Ctrl-C: the hook is running and returns now.
            }
        }
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }

    /** Durations as 500ms, 90s, 5m, 5min, 2h or ISO-8601 (PT2M). */
    public static final class DurationConverter implements ITypeConverter<Duration> {
        @Override
        public Duration convert(String value) {
            String v = value.trim().toLowerCase(Locale.ROOT);
            if (v.startsWith("p")) {
                return Duration.parse(v.toUpperCase(Locale.ROOT));
            }
            int i = 0;
            while (i < v.length() && Character.isDigit(v.charAt(i))) {
                i++;
            }
            if (i == 0) {
                throw new IllegalArgumentException("not a duration: " + value);
            }
            long n = Long.parseLong(v.substring(0, i));
            return switch (v.substring(i).trim()) {
                case "ms" -> Duration.ofMillis(n);
                case "", "s" -> Duration.ofSeconds(n);
                case "m", "min" -> Duration.ofMinutes(n);
                case "h" -> Duration.ofHours(n);
                default ->
                        throw new IllegalArgumentException(
                                "not a duration: " + value + " (e.g. 500ms, 90s, 5m, 2h, PT2M)");
            };
        }
    }
}
