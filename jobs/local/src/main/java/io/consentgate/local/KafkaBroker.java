package io.consentgate.local;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import kafka.server.KafkaConfig;
import kafka.server.KafkaRaftServer;
import kafka.tools.StorageTool;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.common.KafkaFuture;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.utils.Time;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** A single-node Kafka KRaft broker (broker and controller in one) running inside this JVM. */
public final class KafkaBroker implements AutoCloseable {

    /**
     * The broker's {@code transaction.max.timeout.ms}; a producer's transaction timeout must be at
     * most this.
     */
    public static final long TRANSACTION_MAX_TIMEOUT_MS = 900_000L;

    private static final Logger LOG = LoggerFactory.getLogger(KafkaBroker.class);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(60);
    private static final int START_ATTEMPTS = 3;

    private final Path dataDir;
    private final int brokerPort;
    private final int securePort;
    private final KafkaRaftServer server;
    private boolean closed;

    private KafkaBroker(Path dataDir, int brokerPort, int securePort, KafkaRaftServer server) {
        this.dataDir = dataDir;
        this.brokerPort = brokerPort;
        this.securePort = securePort;
        this.server = server;
    }

    /** Starts a broker with a fresh data directory under {@code java.io.tmpdir}. */
    public static KafkaBroker start() {
        return start(
                Paths.get(System.getProperty("java.io.tmpdir"))
                        .resolve("consentgate-kafka-" + UUID.randomUUID()));
    }

    /**
     * Starts a broker storing its logs in {@code dataDir} (created if missing; an already formatted
     * directory is reused) and waits until it answers {@code describeCluster}.
     */
    public static KafkaBroker start(Path dataDir) {
        return start(dataDir, null);
    }

    /**
     * Starts a broker like {@link #start(Path)} with, besides its PLAINTEXT listener (used by the
     * controller and by {@link #newAdmin()}), a {@code SASL_SSL} listener on 127.0.0.1: TLS with
     * the key store of {@code security}, and SASL/PLAIN accepting only its user. Clients reach it
     * at {@link #secureBootstrapServers()} with {@link SecuritySettings#clientProperties()}.
     */
    public static KafkaBroker startSecure(Path dataDir, SecuritySettings security) {
        return start(dataDir, java.util.Objects.requireNonNull(security, "security"));
    }

    private static KafkaBroker start(Path dataDir, SecuritySettings security) {
        try {
            Files.createDirectories(dataDir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create Kafka data dir " + dataDir, e);
        }
        RuntimeException last = null;
        // Free ports are picked before binding, so another process may take one first: retry.
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            int brokerPort = freePort();
            int controllerPort = freePort();
            while (controllerPort == brokerPort) {
                controllerPort = freePort();
            }
            int securePort = 0;
            if (security != null) {
                securePort = freePort();
                while (securePort == brokerPort || securePort == controllerPort) {
                    securePort = freePort();
                }
            }
            long t0 = System.nanoTime();
            KafkaRaftServer server = null;
            try {
                Properties props = config(dataDir, brokerPort, controllerPort);
                if (security != null) {
                    addSecureListener(props, brokerPort, securePort, security);
                }
                format(dataDir, props);
                server = new KafkaRaftServer(new KafkaConfig(props, false), Time.SYSTEM);
                server.startup();
                KafkaBroker broker = new KafkaBroker(dataDir, brokerPort, securePort, server);
                broker.awaitReady();
                LOG.info(
                        "Kafka broker ready on 127.0.0.1:{}{} in {} ms (data {})",
                        brokerPort,
                        security == null ? "" : " and SASL_SSL 127.0.0.1:" + securePort,
                        TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0),
                        dataDir);
                return broker;
            } catch (RuntimeException e) {
                last = e;
                LOG.warn("Kafka broker start attempt {} failed: {}", attempt, e.toString());
                if (server != null) {
                    try {
                        server.shutdown();
                        server.awaitShutdown();
                    } catch (RuntimeException ignored) {
                        // Best effort; the next attempt uses other ports.
                    }
                }
            }
        }
        throw new IllegalStateException("Kafka broker did not start in " + dataDir, last);
    }

    /** {@code host:port} for {@code bootstrap.servers}. */
    public String bootstrapServers() {
        return "127.0.0.1:" + brokerPort;
    }

    /**
     * {@code host:port} of the SASL_SSL listener, for {@code bootstrap.servers}.
     *
     * @throws IllegalStateException if the broker was not started with {@link #startSecure}
     */
    public String secureBootstrapServers() {
        if (securePort == 0) {
            throw new IllegalStateException("this broker has no secure listener");
        }
        return "127.0.0.1:" + securePort;
    }

    public Path dataDir() {
        return dataDir;
    }

    /** A new admin client for this broker; the caller closes it. */
    public Admin newAdmin() {
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers());
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
        return Admin.create(p);
    }

    /**
     * Creates the topics with replication factor 1 and waits until every partition has a leader. A
     * topic that already exists with the same partition count is accepted; with another count it is
     * an error.
     */
    public void createTopics(int partitions, String... names) {
        if (names.length == 0) {
            return;
        }
        List<NewTopic> topics = new ArrayList<>();
        for (String name : names) {
            topics.add(new NewTopic(name, partitions, (short) 1));
        }
        try (Admin admin = newAdmin()) {
            for (Map.Entry<String, KafkaFuture<Void>> e :
                    admin.createTopics(topics).values().entrySet()) {
                try {
                    e.getValue().get(30, TimeUnit.SECONDS);
                } catch (ExecutionException ex) {
                    if (!(ex.getCause() instanceof TopicExistsException)) {
                        throw new IllegalStateException(
                                "cannot create topic " + e.getKey(), ex.getCause());
                    }
                }
            }
            awaitLeaders(admin, Arrays.asList(names), partitions);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while creating topics", e);
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out creating topics", e);
        }
    }

    /** Shuts the broker down cleanly and waits for it; the data directory is left in place. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        long t0 = System.nanoTime();
        server.shutdown();
        server.awaitShutdown();
        LOG.info(
                "Kafka broker on port {} stopped in {} ms",
                brokerPort,
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0));
    }

    private void awaitReady() {
        long deadline = System.nanoTime() + READY_TIMEOUT.toNanos();
        Exception last = null;
        try (Admin admin = newAdmin()) {
            while (System.nanoTime() < deadline) {
                try {
                    if (!admin.describeCluster().nodes().get(5, TimeUnit.SECONDS).isEmpty()) {
                        return;
                    }
                } catch (ExecutionException | TimeoutException e) {
                    last = e;
                }
                Thread.sleep(100);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the broker", e);
        }
        throw new IllegalStateException(
                "Kafka broker not ready after " + READY_TIMEOUT.toSeconds() + " s", last);
    }

    private static void awaitLeaders(Admin admin, Collection<String> names, int partitions)
            throws InterruptedException, TimeoutException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (true) {
            try {
                Map<String, TopicDescription> d =
                        admin.describeTopics(names).allTopicNames().get(10, TimeUnit.SECONDS);
                boolean ready = true;
                for (TopicDescription td : d.values()) {
                    if (td.partitions().size() != partitions) {
                        throw new IllegalStateException(
                                "topic "
                                        + td.name()
                                        + " exists with "
                                        + td.partitions().size()
                                        + " partitions, not "
                                        + partitions);
                    }
                    for (TopicPartitionInfo p : td.partitions()) {
                        ready &= p.leader() != null && !p.leader().isEmpty();
                    }
                }
                if (ready) {
                    return;
                }
            } catch (ExecutionException e) {
                // Metadata not propagated yet (UnknownTopicOrPartition): retry below.
            }
            if (System.nanoTime() > deadline) {
                throw new TimeoutException("no leader for all partitions of " + names);
            }
            Thread.sleep(50);
        }
    }

    /** The broker's configuration (also used to run it as a separate JVM: kafka.Kafka FILE). */
    static Properties config(Path dataDir, int brokerPort, int controllerPort) {
        Properties p = new Properties();
        p.put("process.roles", "broker,controller");
        p.put("node.id", "1");
        p.put("controller.quorum.voters", "1@127.0.0.1:" + controllerPort);
        p.put(
                "listeners",
                "PLAINTEXT://127.0.0.1:"
                        + brokerPort
                        + ",CONTROLLER://127.0.0.1:"
                        + controllerPort);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort);
        p.put("controller.listener.names", "CONTROLLER");
        p.put("inter.broker.listener.name", "PLAINTEXT");
        p.put("listener.security.protocol.map", "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT");
        p.put("log.dirs", dataDir.resolve("logs").toAbsolutePath().toString());
        p.put("num.partitions", "1");
        p.put("default.replication.factor", "1");
        p.put("min.insync.replicas", "1");
        // Single broker: every internal topic has one replica, or transactions hang.
        p.put("offsets.topic.replication.factor", "1");
        p.put("offsets.topic.num.partitions", "5");
        p.put("transaction.state.log.replication.factor", "1");
        p.put("transaction.state.log.min.isr", "1");
        p.put("transaction.state.log.num.partitions", "5");
        p.put("share.coordinator.state.topic.replication.factor", "1");
        p.put("share.coordinator.state.topic.min.isr", "1");
        p.put("group.initial.rebalance.delay.ms", "0");
        p.put("transaction.max.timeout.ms", Long.toString(TRANSACTION_MAX_TIMEOUT_MS));
        // Two cores here: fewer threads than the defaults.
        p.put("num.network.threads", "2");
        p.put("num.io.threads", "4");
        p.put("num.recovery.threads.per.data.dir", "1");
        p.put("log.cleaner.threads", "1");
        // Records carry their event time as Kafka timestamp, and scenarios and replays use
        // historical times: time-based retention would delete them (even the active segment)
        // within a minute of the broker starting.
        p.put("log.retention.ms", "-1");
        p.put("log.message.timestamp.before.max.ms", Long.toString(Long.MAX_VALUE));
        return p;
    }

    /** Adds a SASL_SSL listener (TLS + SASL/PLAIN) beside the PLAINTEXT one. */
    private static void addSecureListener(
            Properties p, int brokerPort, int securePort, SecuritySettings s) {
        String secure = "SASL_SSL://127.0.0.1:" + securePort;
        p.put("listeners", p.getProperty("listeners") + "," + secure);
        p.put("advertised.listeners", "PLAINTEXT://127.0.0.1:" + brokerPort + "," + secure);
        p.put(
                "listener.security.protocol.map",
                "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT,SASL_SSL:SASL_SSL");
        String prefix = "listener.name.sasl_ssl.";
        p.put("sasl.enabled.mechanisms", "PLAIN");
        p.put(prefix + "sasl.enabled.mechanisms", "PLAIN");
        p.put(prefix + "plain.sasl.jaas.config", s.brokerJaasConfig());
        p.put(prefix + "ssl.keystore.type", "PKCS12");
        p.put(prefix + "ssl.keystore.location", s.keyStore().toAbsolutePath().toString());
        p.put(prefix + "ssl.keystore.password", s.keyStorePassword());
        p.put(prefix + "ssl.key.password", s.keyStorePassword());
        p.put(prefix + "ssl.client.auth", "none");
    }

    /** Writes {@code dataDir/server.properties} and formats the storage (idempotent). */
    static void format(Path dataDir, Properties props) {
        Path file = dataDir.resolve("server.properties");
        try (OutputStream out = Files.newOutputStream(file)) {
            props.store(out, "consentgate in-process broker");
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + file, e);
        }
        // A formatted directory keeps its cluster id: formatting again with another id fails.
        String clusterId = Uuid.randomUuid().toString();
        Path meta = dataDir.resolve("logs").resolve("meta.properties");
        if (Files.isRegularFile(meta)) {
            Properties existing = new Properties();
            try (InputStream in = Files.newInputStream(meta)) {
                existing.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + meta, e);
            }
            clusterId = existing.getProperty("cluster.id", clusterId);
        }
        ByteArrayOutputStream buf = new ByteArrayOutputStream();
        int rc;
        try (PrintStream ps = new PrintStream(buf, true, StandardCharsets.UTF_8)) {
            rc =
                    StorageTool.execute(
                            new String[] {
                                "format",
                                "-t",
                                clusterId,
                                "-c",
                                file.toString(),
                                "--ignore-formatted"
                            },
                            ps);
        }
        if (rc != 0) {
            throw new IllegalStateException(
                    "kafka storage format failed ("
                            + rc
                            + "): "
                            + buf.toString(StandardCharsets.UTF_8));
        }
    }

    /** A loopback port free right now (another process may take it before it is bound). */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            s.setReuseAddress(true);
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException("no free port on 127.0.0.1", e);
        }
    }

    @Override
    public String toString() {
        return "KafkaBroker[" + bootstrapServers() + ", " + dataDir + "]";
    }
}
