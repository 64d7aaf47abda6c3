package io.consentgate.bench.harness;

import io.consentgate.bench.peers.FilterRunner;
import io.consentgate.bench.peers.LocalFlink;
import io.consentgate.bench.peers.PassthroughJob;
import io.consentgate.bench.peers.StreamsFilterApp;
import io.consentgate.demo.TrafficGenerator;
import io.consentgate.filter.FilterConfig;
import io.consentgate.filter.io.ConfluentAvroDecoder;
import io.consentgate.filter.io.Registry;
import io.consentgate.schema.AuditEvent;
import io.consentgate.schema.AuditKind;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.apache.kafka.common.TopicPartition;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The end-to-end benchmark, one command: starts a broker and a registry (or uses given ones),
 * preloads S subjects' consent histories and M sends from the demo's traffic generator, then runs
 * (a) a passthrough Flink job, (b) the compliance filter and (c) the Kafka Streams peer one after
 * another on that same input, each in its own JVM, each from the beginning of the input topics to
 * its own output topics. Then, for latency, each again on fresh input written at a paced rate.
 *
 * <p>It measures throughput, wall time, CPU seconds, peak RSS and latency to a read_committed
 * consumer, checks that (b) and (c) decided every send alike (and fails if not), and writes {@code
 * <results>/<date>-<label>.json}. See benchmarks/README.md.
 */
@Command(
        name = "benchmarks/run",
        mixinStandardHelpOptions = true,
        sortOptions = false,
        description =
                "The compliance filter against a passthrough Flink job (the floor) and a Kafka"
                        + " Streams peer, on the same input, one after another.")
public final class Harness implements Callable<Integer> {

    @Option(names = "--label", defaultValue = "run", description = "Names the results file.")
    String label;

    @Option(names = "--sends", defaultValue = "200000", description = "M: preloaded sends.")
    long sends;

    @Option(names = "--subjects", defaultValue = "20000", description = "S: subjects.")
    int subjects;

    @Option(names = "--parallelism", defaultValue = "2", description = "P: per variant.")
    int parallelism;

    @Option(
            names = "--partitions",
            defaultValue = "0",
            description = "Partitions of every topic; 0 = 2 x parallelism.")
    int partitions;

    @Option(
            names = "--guarantee",
            defaultValue = "EXACTLY_ONCE",
            description = "EXACTLY_ONCE or AT_LEAST_ONCE, for every variant.")
    FilterConfig.Guarantee guarantee;

    @Option(names = "--bootstrap-servers", description = "Use this Kafka cluster.")
    String bootstrapServers;

    @Option(names = "--registry-url", description = "Use this Confluent-compatible registry.")
    String registryUrl;

    @Option(
            names = "--variants",
            defaultValue = "passthrough,filter,streams",
            split = ",",
            description = "Which variants to run (in this order).")
    List<String> variantNames;

    @Option(
            names = "--checkpoint-interval",
            defaultValue = "10s",
            description = "Flink checkpoint interval (the filter's default is 10s).")
    String checkpointInterval;

    @Option(
            names = "--streams-commit-interval-ms",
            description = "Kafka Streams commit.interval.ms (default: Streams' own).")
    Long streamsCommitIntervalMs;

    @Option(
            names = "--paced-rate",
            defaultValue = "auto",
            description =
                    "Sends/s of the latency runs: a number, 'auto' (half the filter's backlog"
                            + " throughput) or 'off'.")
    String pacedRate;

    @Option(names = "--paced-seconds", defaultValue = "60", description = "Measured paced time.")
    int pacedSeconds;

    @Option(
            names = "--paced-warmup-seconds",
            defaultValue = "15",
            description = "Paced traffic before the measured part.")
    int pacedWarmupSeconds;

    @Option(
            names = "--mode",
            defaultValue = "backlog",
            description =
                    "backlog: every variant reads the preloaded history and sends together (a"
                            + " catch-up); warm: every variant first reads the history, then the"
                            + " M sends are written as fast as the broker takes them (steady state"
                            + " with S subjects' state).")
    String mode;

    @Option(names = "--seed", defaultValue = "20251", description = "Traffic generator seed.")
    long seed;

    @Option(
            names = "--event-start",
            defaultValue = "2025-01-15T02:00:00Z",
            description =
                    "Event time of the first send. The default keeps every run clear of the"
                            + " instants deferred sends are decided again at (quiet hours end at"
                            + " 11:30 UTC or later).")
    String eventStart;

    @Option(
            names = "--backlog-event-rate",
            defaultValue = "500",
            description = "Sends per second of event time in the backlog (500: 2 ms apart).")
    double backlogEventRate;

    @Option(names = "--duplicate-fraction", defaultValue = "0.01")
    double duplicateFraction;

    @Option(names = "--consent-events-per-send", defaultValue = "0.1")
    double consentEventsPerSend;

    @Option(names = "--corrupt-fraction", defaultValue = "0")
    double corruptFraction;

    @Option(
            names = "--filter-option",
            description =
                    "KEY=VALUE of the filter's configuration (repeatable), e.g."
                            + " source.idleness=2s. The harness sets source.idleness=1h: see"
                            + " benchmarks/README.md for why.")
    List<String> filterOptions = new ArrayList<>();

    @Option(
            names = "--flink-option",
            description =
                    "KEY=VALUE of Flink's configuration for both Flink variants (repeatable), e.g."
                            + " state.backend.rocksdb.block.blocksize=16kb: tuning experiments"
                            + " beyond the filter's own keys.")
    List<String> flinkOptions = new ArrayList<>();

    @Option(names = "--child-heap", defaultValue = "1g", description = "-Xmx of each variant.")
    String childHeap;

    @Option(names = "--broker-heap", defaultValue = "1g")
    String brokerHeap;

    @Option(
            names = "--managed-memory",
            defaultValue = "256m",
            description = "Flink managed memory (RocksDB) of each Flink variant.")
    String managedMemory;

    @Option(
            names = "--jfr",
            split = ",",
            description = "Variants to record with Java Flight Recorder (profile settings).")
    List<String> jfrVariants = new ArrayList<>();

    @Option(names = "--results-dir", defaultValue = "benchmarks/results")
    Path resultsDir;

    @Option(names = "--work-dir", defaultValue = "benchmarks/target/bench-runs")
    Path workDir;

    @Option(names = "--timeout-minutes", defaultValue = "180", description = "Per variant run.")
    int timeoutMinutes;

    @Option(names = "--keep-data", description = "Keep the broker's data and state dirs.")
    boolean keepData;

    @Option(names = "--command", hidden = true, description = "The command line, for the report.")
    String commandLine;

    private final Map<String, Object> report = new LinkedHashMap<>();
    private final List<String> failures = new ArrayList<>();
    private final Map<String, String> failedVariants = new LinkedHashMap<>();
    private Path dir;
    private String runId;
    private String prefix;
    private volatile Infra infra;
    private volatile Child running;
    private List<Variant> variants;

    public static void main(String[] args) {
        System.exit(new CommandLine(new Harness()).execute(args));
    }

    @Override
    public Integer call() throws Exception {
        if (partitions <= 0) {
            partitions = 2 * parallelism;
        }
        variants = new ArrayList<>();
        for (String v : variantNames) {
            variants.add(Variant.of(v));
        }
        variants.sort(null);
        String stamp =
                DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")
                        .withZone(ZoneOffset.UTC)
                        .format(Instant.now());
        String safeLabel = label.replaceAll("[^A-Za-z0-9_-]", "_");
        runId = stamp + "-" + safeLabel;
        prefix = "bench." + runId + ".";
        dir = workDir.toAbsolutePath().resolve(runId);
        Files.createDirectories(dir);
        log("Run %s in %s", runId, dir);
        describeRun();
        List<String> topics = new ArrayList<>();
        try (Infra started = Infra.start(dir, bootstrapServers, registryUrl, brokerHeap)) {
            infra = started;
            log("Kafka %s, registry %s", infra.bootstrapServers, infra.registryUrl);
            Map<Variant, Measurement> backlog =
                    mode.equalsIgnoreCase("warm")
                            ? runLive("warm", 0, sends, 0, backlogEventRate, 0, topics)
                            : runBacklog(topics);
            double rate = pacedRate(backlog);
            Map<Variant, Measurement> paced = new EnumMap<>(Variant.class);
            if (rate > 0) {
                paced =
                        runLive(
                                "paced",
                                rate,
                                (long) (rate * (pacedWarmupSeconds + pacedSeconds)),
                                pacedWarmupSeconds,
                                rate,
                                1_000,
                                topics);
            }
            report.put("results", results(backlog, paced));
            report.put("failedVariants", failedVariants);
            if (!keepData && !infra.ownBroker()) {
                infra.deleteTopics(topics);
            }
        } catch (Exception e) {
            failures.add(e.toString());
            throw e;
        } finally {
            report.put("failures", failures);
            Path out = Results.write(resultsDir, label, report);
            log("Results: %s", out);
            if (!keepData) {
                for (String sub : List.of("kafka", "state")) {
                    Infra.deleteRecursively(dir.resolve(sub));
                }
            }
        }
        if (!failures.isEmpty()) {
            System.err.println("BENCHMARK FAILED:\n  " + String.join("\n  ", failures));
            return 1;
        }
        return 0;
    }

    // ---- The preloaded backlog ----

    private Map<Variant, Measurement> runBacklog(List<String> topics) throws Exception {
        String sendsTopic = prefix + "sends.requested";
        String consentTopic = prefix + "consent.events";
        List<String> all = new ArrayList<>(List.of(sendsTopic, consentTopic));
        for (Variant v : variants) {
            all.addAll(outputs(v, "backlog").values());
        }
        infra.createTopics(all, partitions);
        topics.addAll(all);

        Traffic traffic;
        long loadStart = System.currentTimeMillis();
        try (InputWriter writer =
                new InputWriter(
                        infra.bootstrapServers,
                        new io.consentgate.filter.registry.ConfluentRegistryClient(
                                infra.registryUrl, Duration.ofSeconds(30)),
                        sendsTopic,
                        consentTopic)) {
            traffic = new Traffic(generatorConfig(writer, backlogEventRate), 0);
            log("Preloading %,d subjects' histories and %,d sends", subjects, sends);
            traffic.writeBacklog(
                    writer,
                    sends,
                    t ->
                            log(
                                    "  ... %,d history events, %,d sends, %,d live consent"
                                            + " events",
                                    t.historyEvents, t.sends, t.liveConsents));
            writer.clock(traffic.lastEventTime + 1_000, true);
            double loadSeconds = (System.currentTimeMillis() - loadStart) / 1000.0;
            Map<String, Object> input = new LinkedHashMap<>();
            input.put("historyEvents", traffic.historyEvents);
            input.put("liveConsentEvents", traffic.liveConsents);
            input.put("sends", traffic.sends);
            input.put("validSends", traffic.validSends);
            input.put("corruptRecords", traffic.corrupt);
            input.put("sendBytes", traffic.sendBytes);
            input.put("consentBytes", traffic.consentBytes);
            input.put("avgSendBytes", traffic.sends == 0 ? 0 : traffic.sendBytes / traffic.sends);
            input.put("sameInstantTies", traffic.ties);
            input.put(
                    "eventTimeSpanSeconds", (traffic.lastEventTime - eventStartMillis()) / 1000.0);
            input.put("loadSeconds", loadSeconds);
            report.put("input", input);
            log(
                    "Preloaded %,d history events, %,d live consent events, %,d sends (%,d B"
                            + " avg) in %.1f s",
                    traffic.historyEvents,
                    traffic.liveConsents,
                    traffic.sends,
                    traffic.sends == 0 ? 0 : traffic.sendBytes / traffic.sends,
                    loadSeconds);

            Map<Variant, Measurement> results = new EnumMap<>(Variant.class);
            Decisions filterDecisions = null;
            for (Variant v : variants) {
                Decisions decisions = null;
                Decisions.Check check = null;
                if (v == Variant.FILTER) {
                    decisions = new Decisions((int) Math.min(Integer.MAX_VALUE / 4, sends));
                    filterDecisions = decisions;
                } else if (v == Variant.STREAMS && filterDecisions != null) {
                    check = filterDecisions.new Check(traffic::tiedSince);
                }
                Measurement m = new Measurement(v, "backlog");
                m.expectedSends = traffic.validSends;
                m.inputRecords = traffic.sends + traffic.historyEvents + traffic.liveConsents;
                if (!runVariantOrRecord(
                        m, "backlog", sendsTopic, consentTopic, decisions, check, null, null)) {
                    if (v == Variant.FILTER) {
                        filterDecisions = null;
                    }
                    continue;
                }
                results.put(v, m);
                if (check != null) {
                    report.put("decisionCheck", checkReport(check, "backlog"));
                    if (!check.agrees()) {
                        failures.add(
                                "backlog: the filter and Kafka Streams disagree on "
                                        + (check.mismatched + check.unexpected + check.missing())
                                        + " sends; see decisionCheck in the results");
                    }
                }
            }
            return results;
        }
    }

    // ---- Paced runs, for latency ----

    private double pacedRate(Map<Variant, Measurement> backlog) {
        if (pacedRate.equalsIgnoreCase("off")) {
            return 0;
        }
        if (!pacedRate.equalsIgnoreCase("auto")) {
            return Double.parseDouble(pacedRate);
        }
        Measurement reference = backlog.get(Variant.FILTER);
        if (reference == null) {
            if (backlog.isEmpty()) {
                return 0;
            }
            reference = backlog.values().iterator().next();
        }
        return Math.max(100, Math.floor(reference.sendsPerSecond() / 2 / 100) * 100);
    }

    /**
     * Each variant on fresh topics holding the history: once it has read the history, {@code count}
     * sends are written at {@code rate} per second on the wall clock (0: as fast as the broker
     * takes them), and latency is measured from each send's writing, after {@code warmupSeconds}.
     *
     * @param eventRate sends per second of event time
     * @param tieWindow see {@link Traffic}
     */
    private Map<Variant, Measurement> runLive(
            String phase,
            double rate,
            long count,
            int warmupSeconds,
            double eventRate,
            long tieWindow,
            List<String> topics)
            throws Exception {
        Map<Variant, Measurement> results = new EnumMap<>(Variant.class);
        Decisions filterDecisions = null;
        Traffic filterTraffic = null;
        for (Variant v : variants) {
            String sendsTopic = prefix + phase + "-" + v.shortId + ".sends.requested";
            String consentTopic = prefix + phase + "-" + v.shortId + ".consent.events";
            List<String> all = new ArrayList<>(List.of(sendsTopic, consentTopic));
            all.addAll(outputs(v, phase).values());
            infra.createTopics(all, partitions);
            topics.addAll(all);
            try (InputWriter writer =
                    new InputWriter(
                            infra.bootstrapServers,
                            new io.consentgate.filter.registry.ConfluentRegistryClient(
                                    infra.registryUrl, Duration.ofSeconds(30)),
                            sendsTopic,
                            consentTopic)) {
                Traffic traffic = new Traffic(generatorConfig(writer, eventRate), tieWindow);
                log("[%s %s] writing the consent history of %,d subjects", v.id, phase, subjects);
                writer.clock(eventStartMillis() - 1_000, false);
                traffic.writeHistory(writer);
                traffic.trackProduction((int) Math.min(Integer.MAX_VALUE / 4, count));
                Decisions decisions = null;
                Decisions.Check check = null;
                if (v == Variant.FILTER) {
                    decisions = new Decisions((int) Math.min(Integer.MAX_VALUE / 4, count));
                    filterDecisions = decisions;
                    filterTraffic = traffic;
                } else if (v == Variant.STREAMS && filterDecisions != null) {
                    Traffic ft = filterTraffic;
                    check =
                            filterDecisions
                            .new Check(s -> Math.min(ft.tiedSince(s), traffic.tiedSince(s)));
                }
                Measurement m = new Measurement(v, phase);
                m.pacedRate = rate;
                m.expectedSends = -1; // known once the traffic is written
                PacedInput paced = new PacedInput(traffic, writer, count, rate, warmupSeconds);
                if (!runVariantOrRecord(
                        m, phase, sendsTopic, consentTopic, decisions, check, traffic, paced)) {
                    if (v == Variant.FILTER) {
                        filterDecisions = null;
                    }
                    continue;
                }
                results.put(v, m);
                if (check != null) {
                    String key = phase.equals("paced") ? "decisionCheckPaced" : "decisionCheck";
                    report.put(key, checkReport(check, phase));
                    if (check.mismatched > 0 || check.unexpected > 0 || check.missing() > 0) {
                        failures.add(
                                phase
                                        + ": the filter and Kafka Streams disagree on "
                                        + (check.mismatched + check.unexpected + check.missing())
                                        + " sends not explained by near-simultaneous consent"
                                        + " events; see "
                                        + key
                                        + " in the results");
                    }
                }
            }
        }
        return results;
    }

    /** Runs one variant; a failure is recorded (the run then fails) and the others still run. */
    private boolean runVariantOrRecord(
            Measurement m,
            String phase,
            String sendsTopic,
            String consentTopic,
            Decisions decisions,
            Decisions.Check check,
            Traffic tracked,
            PacedInput paced)
            throws InterruptedException {
        try {
            runVariant(m, phase, sendsTopic, consentTopic, decisions, check, tracked, paced);
            return true;
        } catch (Exception e) {
            String first = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            String cause = "";
            for (String line : String.valueOf(e.getMessage()).lines().toList()) {
                if (line.startsWith("Caused by:")) {
                    cause = line; // the innermost one wins
                }
            }
            failures.add(first + (cause.isEmpty() ? "" : " / " + cause));
            failedVariants.put(m.variant.id + " " + phase, first + " " + cause);
            log("[%s %s] FAILED: %s %s", m.variant.id, phase, first, cause);
            return false;
        }
    }

    /** The paced traffic of one variant, written once the variant has read the history. */
    private record PacedInput(
            Traffic traffic, InputWriter writer, long sends, double rate, int warmupSeconds) {}

    // ---- One variant, one phase ----

    private void runVariant(
            Measurement m,
            String phase,
            String sendsTopic,
            String consentTopic,
            Decisions decisions,
            Decisions.Check check,
            Traffic tracked,
            PacedInput paced)
            throws Exception {
        Variant v = m.variant;
        String tag = "[" + v.id + " " + phase + "]";
        Map<String, String> outputs = outputs(v, phase);
        Map<TopicPartition, Long> inputEnds = infra.endOffsets(List.of(sendsTopic, consentTopic));
        // Passthrough: done when both copies hold as many records as the inputs (set once the
        // paced input is complete).
        long[] expectedCopies = {sum(inputEnds, sendsTopic), sum(inputEnds, consentTopic)};
        long[] wallStart = {Long.MIN_VALUE};

        Map<String, OutputWatcher.Handler> handlers = new LinkedHashMap<>();
        long[] dlq = {0};
        long[] otherAudit = {0};
        if (v == Variant.PASSTHROUGH) {
            LongLongMap seen = tracked == null ? null : new LongLongMap(1 << 16);
            handlers.put(
                    outputs.get("sends"),
                    (r, at) -> {
                        m.sendsSeen++;
                        if (m.sendsSeen <= expectedCopies[0]) {
                            visible(m, at);
                        }
                        if (tracked == null) {
                            m.latency.recordValue(Math.max(0, at - m.launchedAt));
                        } else {
                            long key = LongLongMap.mix(LongLongMap.hash(r.value()));
                            int n = seen.putOccurrence(key, 1);
                            long produced =
                                    tracked.producedByValue()
                                            .get(LongLongMap.occurrence(key, n), -1);
                            measurePaced(m, at, produced, wallStart[0]);
                        }
                    });
            handlers.put(
                    outputs.get("consent"),
                    (r, at) -> {
                        m.consentsSeen++;
                        if (m.consentsSeen <= expectedCopies[1]) {
                            visible(m, at);
                        }
                    });
        } else {
            ConfluentAvroDecoder<AuditEvent> decoder =
                    new ConfluentAvroDecoder<>(
                            AuditEvent.class,
                            Registry.writerSchemas(infra.registryUrl, Duration.ofSeconds(30))
                                    .create());
            LongLongMap seen =
                    tracked == null || decisions != null ? null : new LongLongMap(1 << 16);
            handlers.put(
                    outputs.get("audit"),
                    (r, at) -> {
                        AuditEvent e = decoder.decode(r.value());
                        if (e.getKind() != AuditKind.DECISION
                                || e.getRedecision()
                                || InputWriter.isClock(e.getTenantId())) {
                            otherAudit[0]++;
                            return;
                        }
                        m.sendsSeen++;
                        m.verdicts.merge(e.getVerdict().name(), 1L, Long::sum);
                        if (e.getLate()) {
                            m.late++;
                        }
                        visible(m, at);
                        int n = 0;
                        if (decisions != null) {
                            n = decisions.add(e);
                        }
                        if (check != null) {
                            check.check(e);
                        }
                        if (tracked == null) {
                            m.latency.recordValue(Math.max(0, at - m.launchedAt));
                        } else {
                            long key =
                                    Decisions.key(
                                            e.getMessageId(), e.getEventTime().toEpochMilli());
                            if (seen != null) {
                                n = seen.putOccurrence(key, 1);
                            }
                            long produced =
                                    tracked.producedByDecision()
                                            .get(LongLongMap.occurrence(key, n), -1);
                            measurePaced(m, at, produced, wallStart[0]);
                        }
                    });
            handlers.put(outputs.get("dlq"), (r, at) -> dlq[0]++);
        }

        try (Child child = launch(v, phase, sendsTopic, consentTopic, outputs);
                OutputWatcher watcher = new OutputWatcher(infra.bootstrapServers, handlers)) {
            running = child;
            m.launchedAt = child.launchedAt();
            m.loadAtStart = Proc.loadAverage();
            double brokerCpu0 = infra.brokerCpuSeconds();
            m.readyAt = child.awaitReady(TimeUnit.MINUTES.toMillis(5));
            m.cpuAtReady = child.cpuSeconds();
            log("%s running after %.1f s (pid %d)", tag, m.startupSeconds(), child.pid());

            if (paced != null) {
                String group = groupOf(v, phase);
                waitFor(
                        tag + " reading the history",
                        () -> {
                            try {
                                return infra.committedAtLeast(group, inputEnds);
                            } catch (Exception e) {
                                return false;
                            }
                        },
                        child,
                        watcher,
                        TimeUnit.MINUTES.toMillis(timeoutMinutes));
                long start = System.currentTimeMillis() + 500;
                wallStart[0] = start + TimeUnit.SECONDS.toMillis(paced.warmupSeconds());
                log(
                        "%s history read; writing %,d sends at %s (%d s not measured)",
                        tag,
                        paced.sends(),
                        paced.rate() > 0
                                ? String.format(Locale.ROOT, "%,.0f/s", paced.rate())
                                : "full speed",
                        paced.warmupSeconds());
                m.loadAtStart = Proc.loadAverage();
                brokerCpu0 = infra.brokerCpuSeconds();
                m.cpuAtReady = child.cpuSeconds();
                m.readyAt = start;
                paced.traffic()
                        .writePaced(paced.writer(), paced.sends(), paced.rate() > 0 ? start : -1);
                m.expectedSends = paced.traffic().validSends;
                // The history was read before the measured part.
                m.inputRecords = paced.traffic().sends + paced.traffic().liveConsents;
                long endedAt = System.currentTimeMillis();
                double achieved = paced.sends() * 1000.0 / Math.max(1, endedAt - start);
                log("%s sends written (%.0f sends/s)", tag, achieved);
                m.pacedRate = achieved;
                paced.writer().clock(paced.traffic().lastEventTime + 1_000, true);
                Map<TopicPartition, Long> ends =
                        infra.endOffsets(List.of(sendsTopic, consentTopic));
                expectedCopies[0] = sum(ends, sendsTopic);
                expectedCopies[1] = sum(ends, consentTopic);
            }

            long total = m.expectedSends;
            BooleanSupplier done =
                    v == Variant.PASSTHROUGH
                            ? () ->
                                    m.sendsSeen >= expectedCopies[0]
                                            && m.consentsSeen >= expectedCopies[1]
                            : () -> m.sendsSeen >= total;
            waitFor(tag, done, child, watcher, TimeUnit.MINUTES.toMillis(timeoutMinutes), m);
            m.cpuAtEnd = child.cpuSeconds();
            m.peakRssMiB = child.peakRssMiB();
            m.loadAtEnd = Proc.loadAverage();
            double brokerCpu1 = infra.brokerCpuSeconds();
            m.brokerCpu = brokerCpu0 < 0 ? -1 : brokerCpu1 - brokerCpu0;
            if (tracked == null) {
                // Backlog latencies were recorded from the launch: shift them to the start.
                shiftLatency(m);
            }
            log(
                    "%s done: %,d sends in %.1f s = %,.0f sends/s; CPU %.1f s (%.1f s processing),"
                            + " peak RSS %.0f MiB, broker CPU %.1f s; latency p50 %d ms, p99 %d"
                            + " ms, p99.9 %d ms; load %.1f",
                    tag,
                    m.expectedSends,
                    m.processingSeconds(),
                    m.sendsPerSecond(),
                    m.cpuAtEnd,
                    m.cpuAtEnd - m.cpuAtReady,
                    m.peakRssMiB,
                    m.brokerCpu,
                    m.latency.getValueAtPercentile(50),
                    m.latency.getValueAtPercentile(99),
                    m.latency.getValueAtPercentile(99.9),
                    m.loadAtEnd[0]);
            if (dlq[0] > 0 && corruptFraction == 0) {
                failures.add(tag + " wrote " + dlq[0] + " dead letters for valid input");
            }
            child.stop(60);
            m.checkpointMillis.addAll(child.checkpointDurations());
        }
    }

    private static long sum(Map<TopicPartition, Long> ends, String topic) {
        long n = 0;
        for (var e : ends.entrySet()) {
            if (e.getKey().topic().equals(topic)) {
                n += e.getValue();
            }
        }
        return n;
    }

    private static void visible(Measurement m, long at) {
        if (m.firstVisible < 0) {
            m.firstVisible = at;
        }
        m.lastVisible = Math.max(m.lastVisible, at);
    }

    private static void measurePaced(Measurement m, long at, long produced, long windowStart) {
        if (produced < 0 || windowStart == Long.MIN_VALUE || produced < windowStart) {
            return;
        }
        m.measuredSends++;
        m.latency.recordValue(Math.max(0, at - produced));
    }

    /** Backlog latencies were recorded from the launch; report them from the ready signal. */
    private static void shiftLatency(Measurement m) {
        org.HdrHistogram.Histogram shifted = new org.HdrHistogram.Histogram(3_600_000L, 3);
        long shift = m.readyAt - m.launchedAt;
        for (var v : m.latency.recordedValues()) {
            shifted.recordValueWithCount(
                    Math.max(0, v.getValueIteratedTo() - shift), v.getCountAtValueIteratedTo());
        }
        m.latency.reset();
        m.latency.add(shifted);
    }

    private void waitFor(
            String what,
            BooleanSupplier done,
            Child child,
            OutputWatcher watcher,
            long timeoutMillis)
            throws Exception {
        waitFor(what, done, child, watcher, timeoutMillis, null);
    }

    private void waitFor(
            String what,
            BooleanSupplier done,
            Child child,
            OutputWatcher watcher,
            long timeoutMillis,
            Measurement m)
            throws Exception {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        long nextProgress = System.currentTimeMillis() + 5_000;
        long lastSeen = 0;
        long lastAt = System.currentTimeMillis();
        while (!done.getAsBoolean()) {
            if (watcher.failure() != null) {
                throw new IllegalStateException(
                        what + ": reading the outputs failed", watcher.failure());
            }
            if (!child.isAlive()) {
                throw new IllegalStateException(
                        what
                                + ": the variant's JVM exited; its log ends with:\n"
                                + child.logTail(40));
            }
            if (!infra.registryAlive()) {
                throw new IllegalStateException(what + ": the schema registry died");
            }
            if (System.currentTimeMillis() > deadline) {
                throw new IllegalStateException(what + ": not done after " + timeoutMillis + " ms");
            }
            child.cpuSeconds();
            child.peakRssMiB();
            long now = System.currentTimeMillis();
            if (m != null && now >= nextProgress) {
                long seen = m.sendsSeen;
                log(
                        "%s %,d / %,d sends out (%,.0f/s), CPU %.0f s, RSS %.0f MiB, load %.1f",
                        what,
                        seen,
                        m.expectedSends,
                        (seen - lastSeen) * 1000.0 / Math.max(1, now - lastAt),
                        child.cpuSeconds(),
                        child.peakRssMiB(),
                        Proc.loadAverage()[0]);
                lastSeen = seen;
                lastAt = now;
                nextProgress = now + 5_000;
            }
            Thread.sleep(100);
        }
    }

    // ---- Launching variants ----

    private Map<String, String> outputs(Variant v, String phase) {
        String p = prefix + (phase.equals("paced") ? "paced-" : "") + v.shortId + ".";
        Map<String, String> out = new LinkedHashMap<>();
        if (v == Variant.PASSTHROUGH) {
            out.put("sends", p + "sends.copy");
            out.put("consent", p + "consent.copy");
        } else {
            out.put("approved", p + "sends.approved");
            out.put("deferred", p + "sends.deferred");
            out.put("audit", p + "compliance.audit");
            out.put("dlq", p + "compliance.dlq");
        }
        return out;
    }

    private String groupOf(Variant v, String phase) {
        return "bench-" + runId + "-" + v.id + "-" + phase;
    }

    private Child launch(
            Variant v,
            String phase,
            String sendsTopic,
            String consentTopic,
            Map<String, String> outputs)
            throws Exception {
        String name = v.id + "-" + phase;
        Path state = dir.resolve("state").resolve(name);
        Files.createDirectories(state);
        List<String> jvm = new ArrayList<>();
        jvm.add("-Xmx" + childHeap);
        jvm.add("-Xms" + childHeap);
        jvm.add("-D" + LocalFlink.MANAGED_MEMORY_PROPERTY + "=" + managedMemory);
        jvm.add("-D" + LocalFlink.TMP_DIR_PROPERTY + "=" + state.resolve("flink-tmp"));
        for (String o : flinkOptions) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--flink-option wants KEY=VALUE: " + o);
            }
            jvm.add("-D" + LocalFlink.CONF_PROPERTY_PREFIX + o);
        }
        if (jfrVariants.stream().anyMatch(j -> j.equalsIgnoreCase(v.id))) {
            jvm.add(
                    "-XX:StartFlightRecording=filename="
                            + dir.resolve(name + ".jfr")
                            + ",settings=profile,dumponexit=true");
        }
        List<String> args = new ArrayList<>();
        String group = groupOf(v, phase);
        if (v == Variant.STREAMS) {
            args.addAll(
                    List.of(
                            "--bootstrap-servers",
                            infra.bootstrapServers,
                            "--registry-url",
                            infra.registryUrl,
                            "--application-id",
                            group,
                            "--sends",
                            sendsTopic,
                            "--consent",
                            consentTopic,
                            "--approved",
                            outputs.get("approved"),
                            "--deferred",
                            outputs.get("deferred"),
                            "--audit",
                            outputs.get("audit"),
                            "--dlq",
                            outputs.get("dlq"),
                            "--guarantee",
                            guarantee == FilterConfig.Guarantee.EXACTLY_ONCE
                                    ? "exactly_once_v2"
                                    : "at_least_once",
                            "--threads",
                            Integer.toString(parallelism),
                            "--state-dir",
                            state.resolve("streams").toString()));
            if (streamsCommitIntervalMs != null) {
                args.addAll(List.of("--commit-interval-ms", streamsCommitIntervalMs.toString()));
            }
            return Child.start(
                    name,
                    dir,
                    StreamsFilterApp.class.getName(),
                    jvm,
                    args,
                    Child.RocksDb.KAFKA_STREAMS);
        }
        if (v == Variant.PASSTHROUGH) {
            args.addAll(
                    List.of(
                            PassthroughJob.OUT_SENDS, outputs.get("sends"),
                            PassthroughJob.OUT_CONSENT, outputs.get("consent")));
        }
        args.addAll(
                List.of(
                        "--bootstrap.servers",
                        infra.bootstrapServers,
                        "--registry.url",
                        infra.registryUrl,
                        "--group.id",
                        group,
                        "--transactional-id.prefix",
                        group,
                        "--job.name",
                        group,
                        "--source.starting-offsets",
                        "EARLIEST",
                        "--topic.sends",
                        sendsTopic,
                        "--topic.consent",
                        consentTopic,
                        "--topic.policy",
                        prefix + "compliance.policy",
                        "--parallelism",
                        Integer.toString(parallelism),
                        "--delivery.guarantee",
                        guarantee.name(),
                        "--checkpoint.interval",
                        checkpointInterval,
                        "--checkpoint.dir",
                        state.resolve("checkpoints").toUri().toString(),
                        "--rocksdb.local-dir",
                        state.resolve("rocksdb").toString()));
        // Longer than any run: with the default (2 s), a sends partition that the source reader
        // does not get to for 2 s while catching up is marked idle, the watermark runs ahead of
        // it, and its sends are then decided late, against consent events from their future.
        // The clock records (InputWriter#clock) end a bounded input instead.
        args.addAll(List.of("--source.idleness", "1h"));
        for (String o : filterOptions) {
            int eq = o.indexOf('=');
            if (eq <= 0) {
                throw new IllegalArgumentException("--filter-option wants KEY=VALUE: " + o);
            }
            args.addAll(List.of("--" + o.substring(0, eq), o.substring(eq + 1)));
        }
        if (v == Variant.FILTER) {
            args.addAll(
                    List.of(
                            "--topic.approved", outputs.get("approved"),
                            "--topic.deferred", outputs.get("deferred"),
                            "--topic.audit", outputs.get("audit"),
                            "--topic.dlq", outputs.get("dlq")));
        }
        return Child.start(
                name,
                dir,
                v == Variant.FILTER ? FilterRunner.class.getName() : PassthroughJob.class.getName(),
                jvm,
                args,
                Child.RocksDb.FLINK);
    }

    // ---- Input ----

    private long eventStartMillis() {
        return Instant.parse(eventStart).toEpochMilli();
    }

    private TrafficGenerator.Config generatorConfig(InputWriter writer, double eventRate) {
        return new TrafficGenerator.Config(
                seed,
                subjects,
                eventStartMillis(),
                eventRate,
                corruptFraction,
                0.0,
                duplicateFraction,
                consentEventsPerSend,
                writer.sendsSchemaId(),
                writer.consentSchemaId());
    }

    // ---- Report ----

    private void describeRun() {
        report.put("label", label);
        report.put("runId", runId);
        report.put("date", Instant.now().toString());
        report.put("command", commandLine == null ? "benchmarks/run" : commandLine);
        report.put("gitCommit", System.getenv().getOrDefault("BENCH_GIT_COMMIT", "unknown"));
        Map<String, Object> machine = new LinkedHashMap<>();
        machine.put("cores", Runtime.getRuntime().availableProcessors());
        machine.put("memoryMiB", Proc.memTotalMiB());
        machine.put("cpu", Proc.cpuModel());
        machine.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
        machine.put(
                "java",
                System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
        machine.put("loadAverageAtStart", Proc.loadAverage());
        report.put("machine", machine);
        report.put("versions", Results.versions());
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("sends", sends);
        config.put("subjects", subjects);
        config.put("parallelism", parallelism);
        config.put("partitions", partitions);
        config.put("guarantee", guarantee.name());
        config.put("checkpointInterval", checkpointInterval);
        config.put(
                "streamsCommitIntervalMs",
                streamsCommitIntervalMs != null
                        ? streamsCommitIntervalMs
                        : guarantee == FilterConfig.Guarantee.EXACTLY_ONCE ? 100 : 30_000);
        config.put("childHeap", childHeap);
        config.put("flinkManagedMemory", managedMemory);
        config.put("flinkOptions", flinkOptions);
        config.put("seed", seed);
        config.put("eventStart", eventStart);
        config.put("backlogEventRate", backlogEventRate);
        config.put("duplicateFraction", duplicateFraction);
        config.put("consentEventsPerSend", consentEventsPerSend);
        config.put("corruptFraction", corruptFraction);
        config.put("pacedRate", pacedRate);
        config.put("pacedSeconds", pacedSeconds);
        config.put("pacedWarmupSeconds", pacedWarmupSeconds);
        config.put("mode", mode);
        config.put("filterOptions", filterOptions);
        config.put("filterSourceIdleness", "1h unless given in filterOptions");
        config.put("externalKafka", bootstrapServers != null);
        config.put("jfr", jfrVariants);
        report.put("config", config);
    }

    private Map<String, Object> results(
            Map<Variant, Measurement> backlog, Map<Variant, Measurement> paced) {
        Map<String, Object> out = new LinkedHashMap<>();
        for (Variant v : variants) {
            Map<String, Object> r = new LinkedHashMap<>();
            Measurement b = backlog.get(v);
            if (b != null) {
                r.put(b.phase, Results.measurement(b));
            }
            Measurement p = paced.get(v);
            if (p != null) {
                r.put("paced", Results.measurement(p));
            }
            out.put(v.id, r);
        }
        Map<String, Object> ratios = new LinkedHashMap<>();
        Measurement f = backlog.get(Variant.FILTER);
        Measurement pt = backlog.get(Variant.PASSTHROUGH);
        Measurement ks = backlog.get(Variant.STREAMS);
        if (f != null && pt != null) {
            ratios.put("filterOverPassthrough", f.sendsPerSecond() / pt.sendsPerSecond());
        }
        if (f != null && ks != null) {
            ratios.put("filterOverStreams", f.sendsPerSecond() / ks.sendsPerSecond());
            ratios.put(
                    "filterCpuPerSendOverStreams",
                    ((f.cpuAtEnd - f.cpuAtReady) / f.expectedSends)
                            / ((ks.cpuAtEnd - ks.cpuAtReady) / ks.expectedSends));
        }
        out.put("ratios", ratios);
        return out;
    }

    private static Map<String, Object> checkReport(Decisions.Check c, String phase) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("phase", phase);
        r.put("reference", "filter");
        r.put("checked", "streams");
        r.put("compared", c.compared);
        r.put("matched", c.matched);
        r.put("mismatched", c.mismatched);
        r.put("explainedByNearSimultaneousConsent", c.explainedByTies);
        r.put("missingInStreams", c.missing());
        r.put("extraInStreams", c.unexpected);
        r.put("agree", c.agrees());
        List<Map<String, Object>> examples = new ArrayList<>();
        for (Decisions.Mismatch m : c.examples) {
            Map<String, Object> e = new LinkedHashMap<>();
            e.put("messageId", m.messageId());
            e.put("requestedAt", Instant.ofEpochMilli(m.requestedAt()).toString());
            e.put("filter", m.expected());
            e.put("streams", m.actual());
            examples.add(e);
        }
        r.put("examples", examples);
        return r;
    }

    static void log(String format, Object... args) {
        System.out.println(
                DateTimeFormatter.ofPattern("HH:mm:ss")
                                .withZone(ZoneOffset.UTC)
                                .format(Instant.now())
                        + " "
                        + String.format(Locale.ROOT, format, args));
        System.out.flush();
    }
}
