package io.consentgate.filter.it;

import io.consentgate.filter.SubjectKey;
import io.consentgate.filter.registry.ConfluentSchemaCoderProvider;
import io.consentgate.filter.registry.RegistryAccess;
import io.consentgate.local.LocalInfra;
import io.consentgate.replay.ScenarioEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.formats.avro.RegistryAvroDeserializationSchema;
import org.apache.flink.formats.avro.RegistryAvroSerializationSchema;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.ListOffsetsOptions;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.admin.OffsetSpec;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.IsolationLevel;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Kafka and registry I/O of the pipeline tests: topics, a producer writing Confluent wire-format
 * Avro (schemas registered under {@code <topic>-value}, as upstream systems do), and read_committed
 * reads of the job's outputs.
 *
 * <p>Input topics keep records forever ({@code retention.ms=-1}): records carry their event time as
 * Kafka timestamp, months in the past, and the broker would otherwise delete them by time.
 */
final class KafkaTestIo implements AutoCloseable {

    static final int PARTITIONS = 2;
    static final Duration REGISTRY_BUDGET = Duration.ofSeconds(20);

    /** How long a read waits for open transactions to end and for records to arrive. */
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(60);

    private final RegistryAccess registry;
    private final KafkaProducer<byte[], byte[]> producer;
    private final Map<String, RegistryAvroSerializationSchema<SpecificRecord>> writers =
            new HashMap<>();

    KafkaTestIo() {
        this(localRegistry());
    }

    /** Writing through this registry (credentials, TLS) instead of the JVM's plain one. */
    KafkaTestIo(RegistryAccess registry) {
        this.registry = registry;
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, LocalInfra.broker().bootstrapServers());
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        // A starved 2-core machine has been seen to stall the in-process broker for minutes; wait
        // for it rather than failing the test on the producer's default 2-minute expiry.
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 600_000);
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 120_000);
        p.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 300_000);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        producer = new KafkaProducer<>(p);
    }

    /** Creates the topics a job uses, each with {@link #PARTITIONS} partitions. */
    static void createTopics(Topics topics) {
        List<NewTopic> created = new ArrayList<>();
        for (String name : topics.used()) {
            created.add(
                    new NewTopic(name, PARTITIONS, (short) 1)
                            .configs(Map.of("retention.ms", "-1")));
        }
        try (Admin admin = LocalInfra.broker().newAdmin()) {
            admin.createTopics(created).all().get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot create topics " + topics.used(), e);
        }
        // Existing topics with the same partition count are accepted; this waits for leaders.
        LocalInfra.broker().createTopics(PARTITIONS, topics.used().toArray(String[]::new));
    }

    String registryUrl() {
        return registry.baseUrl();
    }

    /** The JVM's registry ({@link LocalInfra}), plain HTTP. */
    static RegistryAccess localRegistry() {
        return RegistryAccess.of(LocalInfra.registry().confluentApiUrl(), REGISTRY_BUDGET);
    }

    /** The record in the Confluent wire format, its schema registered under topic-value. */
    @SuppressWarnings("unchecked")
    byte[] encode(String topic, SpecificRecord record) {
        RegistryAvroSerializationSchema<SpecificRecord> writer =
                writers.computeIfAbsent(
                        topic + "|" + record.getClass().getName(),
                        k ->
                                (RegistryAvroSerializationSchema<SpecificRecord>)
                                        (RegistryAvroSerializationSchema<?>)
                                                RegistryAvroSerializationSchema.forSpecific(
                                                        record.getClass()
                                                                .asSubclass(SpecificRecord.class),
                                                        new ConfluentSchemaCoderProvider(
                                                                registry,
                                                                ConfluentSchemaCoderProvider
                                                                        .valueSubject(topic))));
        return writer.serialize(record);
    }

    /** Writes one record and waits for the broker's acknowledgement. */
    RecordMetadata sendNow(ProducerRecord<byte[], byte[]> record) {
        try {
            return producer.send(record).get(30, TimeUnit.SECONDS);
        } catch (Exception e) {
            throw new IllegalStateException("cannot write to " + record.topic(), e);
        }
    }

    /**
     * Writes the events in the order given: consent events to the consent topic, sends to the sends
     * topic, keyed by subject (so Kafka's partitioner places them as upstream producers would),
     * with the event time as Kafka timestamp, and {@code sendHeaders} on every send.
     */
    void produce(Topics topics, List<? extends ScenarioEvent> events, RecordHeaders sendHeaders) {
        List<Future<RecordMetadata>> pending = new ArrayList<>(events.size());
        for (ScenarioEvent e : events) {
            byte[] key = SubjectKey.bytes(e.tenantId(), e.subjectId());
            long timestamp = e.at().toEpochMilli();
            ProducerRecord<byte[], byte[]> record;
            if (e instanceof ScenarioEvent.Consent c) {
                record =
                        new ProducerRecord<>(
                                topics.consent(),
                                null,
                                timestamp,
                                key,
                                encode(topics.consent(), c.event()));
            } else {
                ScenarioEvent.Send s = (ScenarioEvent.Send) e;
                record =
                        new ProducerRecord<>(
                                topics.sends(),
                                null,
                                timestamp,
                                key,
                                encode(topics.sends(), s.request()),
                                sendHeaders);
            }
            pending.add(producer.send(record));
        }
        producer.flush();
        for (Future<RecordMetadata> f : pending) {
            try {
                f.get(10, TimeUnit.MINUTES);
            } catch (Exception ex) {
                throw new IllegalStateException("a test record was not written", ex);
            }
        }
    }

    /** A record read back from an output topic. */
    record Out<T>(int partition, long offset, byte[] key, T value) {}

    /**
     * Every committed record of the topic, per partition in offset order (partition 0 first), read
     * with {@code isolation.level=read_committed} as downstream consumers do. Fails when a
     * transaction stays open: read_committed consumers would wait behind it.
     */
    static <T extends SpecificRecord> List<Out<T>> readCommitted(String topic, Class<T> type) {
        return readCommitted(topic, type, localRegistry());
    }

    /** {@link #readCommitted(String, Class)}, with schemas from this registry. */
    static <T extends SpecificRecord> List<Out<T>> readCommitted(
            String topic, Class<T> type, RegistryAccess registry) {
        Map<TopicPartition, Long> end = stableEnd(topic);
        RegistryAvroDeserializationSchema<T> reader =
                new RegistryAvroDeserializationSchema<>(
                        type, null, new ConfluentSchemaCoderProvider(registry, null));
        Properties p = new Properties();
        p.put(ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, LocalInfra.broker().bootstrapServers());
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.MAX_POLL_RECORDS_CONFIG, 5000);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        Map<Integer, List<Out<T>>> byPartition = new HashMap<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> partitions = new ArrayList<>(end.keySet());
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                if (System.nanoTime() > deadline) {
                    throw new AssertionError("timed out reading " + topic + " up to " + end);
                }
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    T value;
                    try {
                        value = r.value() == null ? null : reader.deserialize(r.value());
                    } catch (Exception e) {
                        throw new AssertionError(
                                "output record "
                                        + topic
                                        + "/"
                                        + r.partition()
                                        + "@"
                                        + r.offset()
                                        + " is not Confluent Avro "
                                        + type.getSimpleName(),
                                e);
                    }
                    byPartition
                            .computeIfAbsent(r.partition(), k -> new ArrayList<>())
                            .add(new Out<>(r.partition(), r.offset(), r.key(), value));
                }
            }
        }
        return byPartition.keySet().stream()
                .sorted()
                .flatMap(k -> byPartition.get(k).stream())
                .collect(Collectors.toList());
    }

    /**
     * The end offsets once the last stable offset has reached the high watermark on every
     * partition, i.e. no transaction is open.
     */
    private static Map<TopicPartition, Long> stableEnd(String topic) {
        try (Admin admin = LocalInfra.broker().newAdmin()) {
            Map<TopicPartition, OffsetSpec> latest = new HashMap<>();
            for (int i = 0; i < PARTITIONS; i++) {
                latest.put(new TopicPartition(topic, i), OffsetSpec.latest());
            }
            long deadline = System.nanoTime() + READ_TIMEOUT.toNanos();
            while (true) {
                Map<TopicPartition, Long> committed =
                        offsets(admin, latest, IsolationLevel.READ_COMMITTED);
                Map<TopicPartition, Long> all =
                        offsets(admin, latest, IsolationLevel.READ_UNCOMMITTED);
                if (committed.equals(all)) {
                    return committed;
                }
                if (System.nanoTime() > deadline) {
                    throw new AssertionError(
                            topic
                                    + ": a transaction stayed open for "
                                    + READ_TIMEOUT.toSeconds()
                                    + " s after the job ended (last stable offsets "
                                    + committed
                                    + ", high watermarks "
                                    + all
                                    + ")");
                }
                Thread.sleep(200);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            throw new IllegalStateException("cannot list offsets of " + topic, e);
        }
    }

    private static Map<TopicPartition, Long> offsets(
            Admin admin, Map<TopicPartition, OffsetSpec> specs, IsolationLevel isolation)
            throws InterruptedException, ExecutionException, java.util.concurrent.TimeoutException {
        Map<TopicPartition, Long> out = new HashMap<>();
        admin.listOffsets(specs, new ListOffsetsOptions(isolation))
                .all()
                .get(30, TimeUnit.SECONDS)
                .forEach((tp, info) -> out.put(tp, info.offset()));
        return out;
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
