package io.consentgate.demo;

import io.consentgate.filter.FilterConfig;
import io.consentgate.filter.registry.ConfluentRegistryClient;
import io.consentgate.local.KafkaBroker;
import io.consentgate.local.SchemaRegistryServer;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One demo run: a broker and a registry (embedded, or an external cluster), the topics with every
 * contract registered, the filter job on a local MiniCluster, the traffic generator, and the live
 * view over the committed outputs.
 *
 * <p>{@link #start} brings everything up, {@link #run} drives traffic until its bound (then lets
 * the job decide every send and stops it with a savepoint, which commits every output) or until
 * {@link #requestStop} (then cancels it), and {@link #close} takes everything down: job,
 * MiniCluster, clients, broker, registry child JVM. Every file goes under the run directory; bulky
 * state is deleted on close.
 */
public final class Demo implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Demo.class);

    /** Audit events written to {@code audit.jsonl}; the topic keeps all of them. */
    static final long AUDIT_FILE_LIMIT = 100_000;

    private static final Duration JOB_START_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration FINISH_TIMEOUT = Duration.ofSeconds(120);
    private static final Duration CATCH_UP_TIMEOUT = Duration.ofSeconds(60);

    /**
     * What to run.
     *
     * @param count stop after this many sends (0: no bound)
     * @param duration stop after this much live traffic (null: no bound)
     * @param bootstrapServers an external cluster, or null for an embedded broker
     * @param registryUrl an external Confluent-compatible registry, or null for an embedded one
     * @param kafka Kafka client properties (security settings) for every client and the job
     * @param runDir where this run's files go
     */
    public record Options(
            long count,
            Duration duration,
            double rate,
            int subjects,
            long seed,
            double corruptFraction,
            double lateFraction,
            int parallelism,
            int partitions,
            Duration checkpointInterval,
            String bootstrapServers,
            String registryUrl,
            Map<String, String> kafka,
            boolean headless,
            boolean keepRunning,
            Path runDir) {}

    /** How a run ended. */
    public enum Outcome {
        /** The bound was reached, every send decided and committed, every output read. */
        COMPLETED,
        /** Stopped by the user (Ctrl-C) before the bound. */
        INTERRUPTED,
        /** Something failed; see {@link Demo#failureMessage()}. */
        FAILED
    }

    private final Options options;
    private final PrintStream out;
    private final String runId;
    private final Properties clientProperties = new Properties();
    private final LiveStats stats = new LiveStats();
    private volatile boolean stopRequested;
    private KafkaBroker broker;
    private SchemaRegistryServer registryServer;
    private String bootstrapServers;
    private String registryUrl;
    private ConfluentRegistryClient registry;
    private FilterConfig filterConfig;
    private Admin admin;
    private LocalFlinkJob job;
    private int restPort;
    private int metricsPort;
    private OutputWatcher watcher;
    private Thread watcherThread;
    private AvroKafkaProducer producer;
    private TrafficGenerator generator;
    private TrafficPump pump;
    private EventTimeHeartbeat heartbeat;
    private Thread pumpThread;
    private LiveView view;
    private String failureMessage;
    private long startedAt;
    private long endedAt;
    private boolean closed;

    private Demo(Options options, PrintStream out) {
        this.options = options;
        this.out = out;
        this.runId = options.runDir().getFileName().toString();
        clientProperties.putAll(options.kafka());
    }

    /** Starts infrastructure, topics, schemas, the job and the live view's consumer. */
    public static Demo start(Options options, PrintStream out) throws Exception {
        Demo demo = new Demo(options, out);
        try {
            demo.startAll();
        } catch (Exception | Error e) {
            demo.close();
            throw e;
        }
        return demo;
    }

    private void startAll() throws Exception {
        startedAt = System.currentTimeMillis();
        Files.createDirectories(options.runDir());
        if (options.bootstrapServers() == null) {
            step("Starting a Kafka broker (KRaft, in this JVM)");
            broker = KafkaBroker.start(options.runDir().resolve("kafka"));
            bootstrapServers = broker.bootstrapServers();
        } else {
            bootstrapServers = options.bootstrapServers();
        }
        if (options.registryUrl() == null) {
            step("Starting a schema registry (Apicurio, child JVM)");
            registryServer = SchemaRegistryServer.start(options.runDir().resolve("registry"));
            registryUrl = registryServer.confluentApiUrl();
        } else {
            registryUrl = options.registryUrl();
        }
        registry = new ConfluentRegistryClient(registryUrl, Duration.ofSeconds(30));
        boolean external = options.bootstrapServers() != null;
        filterConfig = filterConfig(external);

        step("Creating topics and registering their schemas");
        admin = DemoTopics.admin(bootstrapServers, clientProperties);
        List<String> topics = new ArrayList<>(DemoTopics.contracts(filterConfig).keySet());
        DemoTopics.create(admin, topics, options.partitions());
        DemoTopics.registerAll(registry, filterConfig);
        // On an external cluster the topics may hold earlier runs: watch only what comes next.
        Map<TopicPartition, Long> outputStart =
                external
                        ? DemoTopics.endOffsets(
                                admin,
                                List.of(filterConfig.auditTopic(), filterConfig.deadLetterTopic()))
                        : Map.of();

        step("Starting the filter job on a local Flink MiniCluster");
        restPort = freePort();
        metricsPort = freePort();
        var conf =
                LocalFlinkJob.configuration(
                        filterConfig,
                        options.parallelism(),
                        options.runDir(),
                        restPort,
                        metricsPort);
        job = LocalFlinkJob.start(filterConfig, conf, options.parallelism());
        job.awaitRunning(JOB_START_TIMEOUT);

        watcher =
                new OutputWatcher(
                        bootstrapServers,
                        clientProperties,
                        registry,
                        filterConfig.auditTopic(),
                        filterConfig.deadLetterTopic(),
                        outputStart,
                        stats,
                        options.runDir().resolve("audit.jsonl"),
                        AUDIT_FILE_LIMIT,
                        options.runDir().resolve("dead-letters.jsonl"));
        watcherThread = new Thread(watcher, "demo-live-view-consumer");
        watcherThread.setDaemon(true);
        watcherThread.start();

        producer =
                new AvroKafkaProducer(
                        bootstrapServers,
                        clientProperties,
                        registry,
                        filterConfig.sendsTopic(),
                        filterConfig.consentTopic());
        // The history is written first (about 3 events per subject); the first send is due when
        // it should be written, so that sends do not start with a burst to catch up the clock.
        long start = System.currentTimeMillis() + Math.min(30_000, 3_000 + options.subjects() / 2L);
        TrafficGenerator.Config gc =
                new TrafficGenerator.Config(
                        options.seed(),
                        options.subjects(),
                        start,
                        options.rate(),
                        options.corruptFraction(),
                        options.lateFraction(),
                        0.01,
                        0.1,
                        producer.schemaId(TopicKind.SENDS),
                        producer.schemaId(TopicKind.CONSENT));
        generator = new TrafficGenerator(gc);
        view = new LiveView(out, options.headless(), this);
        printEndpoints();
    }

    private FilterConfig filterConfig(boolean external) {
        Map<String, String> m = new LinkedHashMap<>();
        m.put(FilterConfig.BOOTSTRAP_SERVERS.name(), bootstrapServers);
        m.put(FilterConfig.REGISTRY_URL.name(), registryUrl);
        // Per run: a fresh consumer group, and transactional ids no other run uses.
        m.put(FilterConfig.GROUP_ID.name(), "consentgate-demo-" + runId);
        m.put(FilterConfig.TRANSACTIONAL_ID_PREFIX.name(), "consentgate-demo-" + runId);
        m.put(
                FilterConfig.STARTING_OFFSETS.name(),
                (external
                                ? FilterConfig.StartingOffsets.LATEST
                                : FilterConfig.StartingOffsets.EARLIEST)
                        .name());
        m.put(
                FilterConfig.CHECKPOINT_INTERVAL.name(),
                options.checkpointInterval().toMillis() + "ms");
        m.put(FilterConfig.PARALLELISM.name(), Integer.toString(options.parallelism()));
        m.put(FilterConfig.ROCKSDB_LOCAL_DIR.name(), options.runDir().resolve("r").toString());
        m.put(FilterConfig.JOB_NAME.name(), "consentgate-demo");
        options.kafka().forEach((k, v) -> m.put(FilterConfig.KAFKA_PREFIX + k, v));
        return FilterConfig.fromMap(m);
    }

    /**
     * Writes traffic and refreshes the view until the bound is reached or {@link #requestStop} is
     * called; a bounded run then waits until every send is decided, stops the job with a savepoint
     * and reads every committed output.
     */
    public Outcome run() {
        pumpThread =
                new Thread(
                        pump =
                                new TrafficPump(
                                        generator,
                                        producer,
                                        options.count(),
                                        options.duration() == null
                                                ? 0
                                                : options.duration().toMillis(),
                                        System::currentTimeMillis),
                        "demo-traffic");
        pumpThread.setDaemon(true);
        pumpThread.start();
        try {
            Outcome o = runUntilDone();
            endedAt = System.currentTimeMillis();
            view.render(true);
            return o;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            failureMessage = "interrupted";
            return Outcome.FAILED;
        } catch (Exception e) {
            LOG.error("Demo failed", e);
            failureMessage = e.toString();
            return Outcome.FAILED;
        } finally {
            pump.stop();
        }
    }

    private Outcome runUntilDone() throws Exception {
        while (true) {
            if (stopRequested) {
                return interrupt();
            }
            String problem = problem();
            if (problem != null) {
                failureMessage = problem;
                return Outcome.FAILED;
            }
            if (pump.finished()) {
                break;
            }
            view.tick();
        }
        // Bounded: every record is written. Keep event time moving (the heartbeat) until the job
        // has read and checkpointed every record and decided every send, then stop it.
        view.status("finishing: waiting for the job to read every record and decide every send");
        Map<TopicPartition, Long> written = producer.endOffsets();
        heartbeat = new EventTimeHeartbeat(producer);
        Thread beat = new Thread(heartbeat, "demo-event-time-heartbeat");
        beat.setDaemon(true);
        beat.start();
        try {
            return finish(written);
        } finally {
            heartbeat.stop();
            beat.join(5_000);
        }
    }

    private Outcome finish(Map<TopicPartition, Long> written) throws Exception {
        long deadline = System.nanoTime() + FINISH_TIMEOUT.toNanos();
        long lastSend = pump.lastEventTime();
        while (!DemoTopics.committedAtLeast(admin, filterConfig.groupId(), written)
                || job.decisionWatermark() <= lastSend) {
            if (stopRequested) {
                return interrupt();
            }
            String problem = problem();
            if (problem != null) {
                failureMessage = problem;
                return Outcome.FAILED;
            }
            if (System.nanoTime() > deadline) {
                failureMessage = "the job did not decide every send within " + FINISH_TIMEOUT;
                return Outcome.FAILED;
            }
            view.tick();
        }
        view.status("stopping the job with a savepoint (commits the last outputs)");
        view.render(false);
        job.stop(FINISH_TIMEOUT);
        long stoppedAt = System.currentTimeMillis();
        view.status("reading the last committed outputs");
        deadline = System.nanoTime() + CATCH_UP_TIMEOUT.toNanos();
        while (watcher.caughtUpAt() < stoppedAt) {
            if (watcher.failure() != null) {
                failureMessage = "live view consumer failed: " + watcher.failure();
                return Outcome.FAILED;
            }
            if (System.nanoTime() > deadline) {
                failureMessage =
                        "the committed outputs could not be read within " + CATCH_UP_TIMEOUT;
                return Outcome.FAILED;
            }
            Thread.sleep(100);
        }
        view.status("done");
        return Outcome.COMPLETED;
    }

    private Outcome interrupt() {
        view.status("stopping: cancelling the job");
        pump.stop();
        job.cancel(Duration.ofSeconds(30));
        return Outcome.INTERRUPTED;
    }

    /** A reason to give up, or null. */
    private String problem() {
        if (pump.failure() != null) {
            return "writing traffic failed: " + pump.failure();
        }
        if (watcher.failure() != null) {
            return "live view consumer failed: " + watcher.failure();
        }
        var status = job.status();
        if (status.isGloballyTerminalState()) {
            return "the filter job ended (" + status + "): " + job.failureOf();
        }
        return null;
    }

    /** Asks {@link #run} (or a {@link #awaitStop} wait) to end; safe from any thread. */
    public void requestStop() {
        stopRequested = true;
    }

    /** With --keep-running: blocks until {@link #requestStop}. */
    public void awaitStop() throws InterruptedException {
        while (!stopRequested) {
            Thread.sleep(200);
        }
    }

    /** Takes everything down, in dependency order; idempotent. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (pump != null) {
            pump.stop();
            join(pumpThread);
        }
        if (job != null) {
            job.cancel(Duration.ofSeconds(30));
            quietly("MiniCluster", job::close);
        }
        if (watcher != null) {
            watcher.stop();
            join(watcherThread);
            quietly("live view consumer", watcher::close);
        }
        if (producer != null) {
            quietly("producer", producer::close);
        }
        if (admin != null) {
            quietly("admin client", () -> admin.close(Duration.ofSeconds(5)));
        }
        if (broker != null) {
            quietly("Kafka broker", broker::close);
        }
        if (registryServer != null) {
            quietly("schema registry", registryServer::close);
        }
        // The topics lived in the embedded broker; state and checkpoints only served this run.
        for (String bulky : List.of("kafka", "r", "checkpoints", "savepoints", "flink-tmp")) {
            if (broker != null || !bulky.equals("kafka")) {
                deleteTree(options.runDir().resolve(bulky));
            }
        }
    }

    private static void join(Thread t) {
        if (t == null) {
            return;
        }
        try {
            t.join(TimeUnit.SECONDS.toMillis(15));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private interface Closer {
        void close() throws Exception;
    }

    private static void quietly(String what, Closer c) {
        try {
            c.close();
        } catch (Exception e) {
            LOG.warn("Closing the {}: {}", what, e.toString());
        }
    }

    private static void deleteTree(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException | UncheckedIOException e) {
            LOG.warn("Could not delete {}: {}", dir, e.toString());
        }
    }

    private void step(String what) {
        out.println("  " + what + "...");
        out.flush();
        LOG.info(what);
    }

    private void printEndpoints() {
        out.println();
        out.println("consentgate demo is up (" + elapsed() + "). Run " + runId + ":");
        out.println(
                "  Kafka            " + bootstrapServers + (broker != null ? " (embedded)" : ""));
        out.println(
                "  Schema registry  "
                        + registryUrl
                        + (registryServer != null
                                ? " (Apicurio " + registryServer.version() + ")"
                                : ""));
        out.println("  Flink web UI     " + webUi());
        out.println("  Prometheus       " + metricsUrl());
        out.println("  Files and log    " + options.runDir());
        out.println();
        out.flush();
    }

    private String elapsed() {
        return String.format("%.1f s", (System.currentTimeMillis() - startedAt) / 1000.0);
    }

    static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port", e);
        }
    }

    // ---- For the view, the summary and tests ----

    Options options() {
        return options;
    }

    String runId() {
        return runId;
    }

    LiveStats.Snapshot snapshot() {
        return stats.snapshot();
    }

    TrafficGenerator.Counters generated() {
        return generator.counters();
    }

    TrafficGenerator generator() {
        return generator;
    }

    AvroKafkaProducer producer() {
        return producer;
    }

    OutputWatcher watcher() {
        return watcher;
    }

    LocalFlinkJob job() {
        return job;
    }

    SchemaRegistryServer registryServer() {
        return registryServer;
    }

    KafkaBroker broker() {
        return broker;
    }

    FilterConfig filterConfig() {
        return filterConfig;
    }

    String bootstrapServers() {
        return bootstrapServers;
    }

    String registryUrl() {
        return registryUrl;
    }

    String webUi() {
        return job == null ? "" : job.webUi().toString();
    }

    String metricsUrl() {
        return "http://127.0.0.1:" + metricsPort + "/metrics";
    }

    long liveStartedAt() {
        return pump == null ? -1 : pump.liveStartedAt();
    }

    long durationMillis() {
        return (endedAt > 0 ? endedAt : System.currentTimeMillis()) - startedAt;
    }

    String failureMessage() {
        return failureMessage;
    }

    boolean stopRequested() {
        return stopRequested;
    }
}
