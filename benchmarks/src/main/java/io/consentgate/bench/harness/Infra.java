package io.consentgate.bench.harness;

import io.consentgate.local.SchemaRegistryServer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.admin.TopicDescription;
import org.apache.kafka.clients.consumer.OffsetAndMetadata;
import org.apache.kafka.common.TopicPartition;

/**
 * The broker and registry of one run: started here (the broker in its own JVM, so its CPU time can
 * be read per variant; the Apicurio registry as jobs/local starts it), or given.
 */
final class Infra implements AutoCloseable {
    private final Child broker;
    private final RegistryProcess ownRegistry;
    private final SchemaRegistryServer registry;
    final String bootstrapServers;
    final String registryUrl;
    final Admin admin;

    private Infra(
            Child broker,
            RegistryProcess ownRegistry,
            SchemaRegistryServer registry,
            String bootstrapServers,
            String registryUrl) {
        this.broker = broker;
        this.ownRegistry = ownRegistry;
        this.registry = registry;
        this.bootstrapServers = bootstrapServers;
        this.registryUrl = registryUrl;
        Properties p = new Properties();
        p.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 30_000);
        p.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 60_000);
        this.admin = Admin.create(p);
    }

    static Infra start(Path dir, String bootstrapServers, String registryUrl, String brokerHeap)
            throws Exception {
        Child broker = null;
        RegistryProcess ownRegistry = null;
        SchemaRegistryServer registry = null;
        try {
            if (bootstrapServers == null) {
                Path data = dir.resolve("kafka");
                Files.createDirectories(data);
                broker =
                        Child.start(
                                "broker",
                                dir,
                                BrokerMain.class.getName(),
                                List.of("-Xmx" + brokerHeap, "-Xms" + brokerHeap),
                                List.of(data.toString()),
                                Child.RocksDb.NONE);
                broker.awaitReady(120_000);
                bootstrapServers = Files.readString(data.resolve("bootstrap")).trim();
            }
            if (registryUrl == null) {
                ownRegistry = RegistryProcess.start(dir).orElse(null);
                if (ownRegistry != null) {
                    registryUrl = ownRegistry.confluentApiUrl();
                } else {
                    registry = SchemaRegistryServer.start(dir.resolve("registry"));
                    registryUrl = registry.confluentApiUrl();
                }
            }
            return new Infra(broker, ownRegistry, registry, bootstrapServers, registryUrl);
        } catch (Exception e) {
            if (ownRegistry != null) {
                ownRegistry.close();
            }
            if (registry != null) {
                registry.close();
            }
            if (broker != null) {
                broker.stop(30);
            }
            throw e;
        }
    }

    /** False when the registry this run started has died (the run cannot go on). */
    boolean registryAlive() {
        return ownRegistry == null || ownRegistry.isAlive();
    }

    /** CPU seconds of the broker so far, or -1 for a given broker. */
    double brokerCpuSeconds() {
        return broker == null ? -1 : broker.cpuSeconds();
    }

    double brokerPeakRssMiB() {
        return broker == null ? -1 : broker.peakRssMiB();
    }

    boolean ownBroker() {
        return broker != null;
    }

    /**
     * Creates topics with time-based retention off: the input carries event times as Kafka
     * timestamps, which may be older than any retention period.
     */
    void createTopics(Collection<String> names, int partitions) throws Exception {
        List<NewTopic> topics = new ArrayList<>();
        for (String n : names) {
            topics.add(
                    new NewTopic(n, Optional.of(partitions), Optional.empty())
                            .configs(
                                    Map.of(
                                            "retention.ms",
                                            "-1",
                                            // Segments roll by time span of the record
                                            // timestamps too: years of history would make
                                            // hundreds of tiny segments.
                                            "segment.ms",
                                            Long.toString(TimeUnit.DAYS.toMillis(3650)))));
        }
        admin.createTopics(topics).all().get(60, TimeUnit.SECONDS);
        Thread.sleep(1_000); // leaders become writable a little after they are announced
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (true) {
            try {
                boolean ready = true;
                for (TopicDescription td :
                        admin.describeTopics(names)
                                .allTopicNames()
                                .get(30, TimeUnit.SECONDS)
                                .values()) {
                    for (var p : td.partitions()) {
                        ready &= p.leader() != null && !p.leader().isEmpty();
                    }
                }
                if (ready) {
                    return;
                }
            } catch (ExecutionException notYet) {
                // metadata not propagated yet
            }
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("topics have no leaders: " + names);
            }
            Thread.sleep(100);
        }
    }

    void deleteTopics(Collection<String> names) {
        try {
            admin.deleteTopics(names).all().get(60, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("Could not delete the run's topics: " + e);
        }
    }

    /** The end offsets of every partition of the topics. */
    Map<TopicPartition, Long> endOffsets(Collection<String> topics) throws Exception {
        Map<TopicPartition, OffsetSpec> request = new HashMap<>();
        for (TopicDescription td :
                admin.describeTopics(topics).allTopicNames().get(30, TimeUnit.SECONDS).values()) {
            for (var p : td.partitions()) {
                request.put(new TopicPartition(td.name(), p.partition()), OffsetSpec.latest());
            }
        }
        Map<TopicPartition, Long> out = new HashMap<>();
        for (var e : admin.listOffsets(request).all().get(30, TimeUnit.SECONDS).entrySet()) {
            out.put(e.getKey(), e.getValue().offset());
        }
        return out;
    }

    /** True when the group has committed at least {@code ends} on every partition. */
    boolean committedAtLeast(String group, Map<TopicPartition, Long> ends) throws Exception {
        Map<TopicPartition, OffsetAndMetadata> committed =
                admin.listConsumerGroupOffsets(group)
                        .partitionsToOffsetAndMetadata()
                        .get(30, TimeUnit.SECONDS);
        for (var e : ends.entrySet()) {
            OffsetAndMetadata c = committed.get(e.getKey());
            if (e.getValue() > 0 && (c == null || c.offset() < e.getValue())) {
                return false;
            }
        }
        return true;
    }

    private boolean closed;

    /** Stops what this run started; safe to call twice (the shutdown hook may). */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        admin.close(Duration.ofSeconds(10));
        if (ownRegistry != null) {
            ownRegistry.close();
        }
        if (registry != null) {
            registry.close();
        }
        if (broker != null) {
            broker.stop(30);
        }
    }

    static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
