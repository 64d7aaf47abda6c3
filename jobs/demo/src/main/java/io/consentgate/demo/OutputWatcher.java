package io.consentgate.demo;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.consentgate.filter.registry.ConfluentRegistryClient;
import io.consentgate.schema.AuditEvent;
import io.consentgate.schema.DeadLetter;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.PartitionInfo;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Reads the committed audit and dead-letter topics (read_committed, no consumer group) on its own
 * thread into {@link LiveStats}, and writes the first audit events and every dead letter's
 * coordinates as JSON lines for inspection after the run. Never writes a payload or raw record
 * bytes.
 */
final class OutputWatcher implements Runnable, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(OutputWatcher.class);
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final long END_CHECK_INTERVAL_MS = 300;

    /** A dead letter's source record. */
    record Source(String topic, int partition, long offset) {}

    private final KafkaConsumer<byte[], byte[]> consumer;
    private final String auditTopic;
    private final String dlqTopic;
    private final ConfluentAvro<AuditEvent> audit;
    private final ConfluentAvro<DeadLetter> dlq;
    private final LiveStats stats;
    private final Path auditFile;
    private final Path dlqFile;
    private final long auditFileLimit;
    private final Set<Source> deadLetterSources = ConcurrentHashMap.newKeySet();
    private volatile boolean stopRequested;
    private volatile long caughtUpAt = -1;
    private volatile long undecodable;
    private volatile Exception failure;
    private long auditLines;

    /**
     * @param startOffsets where to start each partition (absent: the beginning)
     * @param auditFile receives the first {@code auditFileLimit} audit events as JSON lines
     * @param dlqFile receives every dead letter's source and error as JSON lines
     */
    OutputWatcher(
            String bootstrapServers,
            Properties clientProperties,
            ConfluentRegistryClient registry,
            String auditTopic,
            String dlqTopic,
            Map<TopicPartition, Long> startOffsets,
            LiveStats stats,
            Path auditFile,
            long auditFileLimit,
            Path dlqFile) {
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ConsumerConfig.CLIENT_ID_CONFIG, "consentgate-demo-live-view");
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5_000);
        this.consumer =
                new KafkaConsumer<>(p, new ByteArrayDeserializer(), new ByteArrayDeserializer());
        this.auditTopic = auditTopic;
        this.dlqTopic = dlqTopic;
        this.audit = new ConfluentAvro<>(AuditEvent.class, AuditEvent.getClassSchema(), registry);
        this.dlq = new ConfluentAvro<>(DeadLetter.class, DeadLetter.getClassSchema(), registry);
        this.stats = stats;
        this.auditFile = auditFile;
        this.dlqFile = dlqFile;
        this.auditFileLimit = auditFileLimit;
        List<TopicPartition> partitions = new ArrayList<>();
        for (String topic : List.of(auditTopic, dlqTopic)) {
            for (PartitionInfo info : consumer.partitionsFor(topic, Duration.ofSeconds(30))) {
                partitions.add(new TopicPartition(topic, info.partition()));
            }
        }
        consumer.assign(partitions);
        consumer.seekToBeginning(partitions);
        for (TopicPartition tp : partitions) {
            Long start = startOffsets.get(tp);
            if (start != null) {
                consumer.seek(tp, start);
            }
        }
    }

    @Override
    public void run() {
        try (BufferedWriter auditOut = Files.newBufferedWriter(auditFile, StandardCharsets.UTF_8);
                BufferedWriter dlqOut = Files.newBufferedWriter(dlqFile, StandardCharsets.UTF_8)) {
            long lastEndCheck = 0;
            while (!stopRequested) {
                long polledAt = System.currentTimeMillis();
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    handle(r, auditOut, dlqOut);
                }
                auditOut.flush();
                dlqOut.flush();
                long now = System.currentTimeMillis();
                if (now - lastEndCheck >= END_CHECK_INTERVAL_MS) {
                    lastEndCheck = now;
                    if (atEnd()) {
                        caughtUpAt = polledAt;
                    }
                }
            }
        } catch (Exception e) {
            if (!stopRequested) {
                failure = e;
                LOG.error("Live view consumer failed", e);
            }
        }
    }

    private void handle(
            ConsumerRecord<byte[], byte[]> r, BufferedWriter auditOut, BufferedWriter dlqOut)
            throws IOException {
        try {
            if (r.topic().equals(auditTopic)) {
                AuditEvent e = audit.decode(r.value());
                stats.audit(e, r.timestamp());
                if (auditLines < auditFileLimit) {
                    auditOut.write(JSON.writeValueAsString(toJson(e)));
                    auditOut.newLine();
                    auditLines++;
                }
            } else if (r.topic().equals(dlqTopic)) {
                DeadLetter d = dlq.decode(r.value());
                stats.deadLetter(d);
                deadLetterSources.add(
                        new Source(d.getSourceTopic(), d.getPartition(), d.getOffset()));
                ObjectNode n = JSON.createObjectNode();
                n.put("sourceTopic", d.getSourceTopic());
                n.put("partition", d.getPartition());
                n.put("offset", d.getOffset());
                n.put("errorCode", d.getErrorCode());
                n.put("errorMessage", d.getErrorMessage());
                dlqOut.write(JSON.writeValueAsString(n));
                dlqOut.newLine();
            }
        } catch (IOException | RuntimeException e) {
            if (e instanceof java.io.InterruptedIOException) {
                throw e;
            }
            undecodable++;
            LOG.warn(
                    "Undecodable record on {} at {}/{}: {}",
                    r.topic(),
                    r.partition(),
                    r.offset(),
                    e.toString());
        }
    }

    private boolean atEnd() {
        Collection<TopicPartition> assigned = consumer.assignment();
        Map<TopicPartition, Long> ends = consumer.endOffsets(assigned, Duration.ofSeconds(5));
        for (TopicPartition tp : assigned) {
            if (consumer.position(tp, Duration.ofSeconds(5)) < ends.get(tp)) {
                return false;
            }
        }
        return true;
    }

    /**
     * A record as JSON: enums by name, times as ISO-8601, bytes left out (audit events carry none;
     * this keeps it so if the contract grows).
     */
    static ObjectNode toJson(SpecificRecord record) {
        ObjectNode n = JSON.createObjectNode();
        for (Schema.Field f : record.getSchema().getFields()) {
            Object v = record.get(f.pos());
            if (v instanceof ByteBuffer) {
                continue;
            }
            putValue(n, f.name(), v);
        }
        return n;
    }

    private static void putValue(ObjectNode n, String name, Object v) {
        if (v == null) {
            n.putNull(name);
        } else if (v instanceof Boolean b) {
            n.put(name, b);
        } else if (v instanceof Integer i) {
            n.put(name, i);
        } else if (v instanceof Long l) {
            n.put(name, l);
        } else if (v instanceof Collection<?> c) {
            ArrayNode a = n.putArray(name);
            for (Object o : c) {
                a.add(String.valueOf(o));
            }
        } else if (v instanceof SpecificRecord r) {
            n.set(name, toJson(r));
        } else if (v instanceof Instant || v instanceof LocalDate) {
            n.put(name, v.toString());
        } else {
            n.put(name, v.toString());
        }
    }

    /** Wall-clock time of the last poll after which every partition was read to its end. */
    long caughtUpAt() {
        return caughtUpAt;
    }

    /** Where the dead letters read so far came from. */
    Set<Source> deadLetterSources() {
        return new HashSet<>(deadLetterSources);
    }

    long undecodable() {
        return undecodable;
    }

    Exception failure() {
        return failure;
    }

    long auditLinesWritten() {
        return auditLines;
    }

    void stop() {
        stopRequested = true;
        consumer.wakeup();
    }

    /** Call after the thread ended. */
    @Override
    public void close() {
        consumer.close(Duration.ofSeconds(5));
    }
}
