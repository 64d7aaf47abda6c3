package io.consentgate.demo;

import io.consentgate.filter.registry.ConfluentRegistryClient;
import io.consentgate.filter.registry.ConfluentSchemaCoderProvider;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.SendRequest;
import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes generated records to the input topics in the Confluent wire format: valid records as Avro
 * under the schema registered for {@code <topic>-value}, corrupt records as their raw bytes. Keys
 * are the generator's subject keys, so Kafka's default partitioner puts a subject's sends and
 * consent events on the same partition number of both topics.
 *
 * <p>Idempotent (no duplicates from retries), acks=all. Remembers where every corrupt record landed
 * and the end offset of every partition written, so callers can check the dead-letter topic and
 * know when the job has read everything.
 */
public final class AvroKafkaProducer implements AutoCloseable {

    /** Where a record landed. */
    public record Coordinates(String topic, int partition, long offset) {}

    private final KafkaProducer<byte[], byte[]> producer;
    private final Map<TopicKind, String> topics = new EnumMap<>(TopicKind.class);
    private final Map<TopicKind, Integer> schemaIds = new EnumMap<>(TopicKind.class);
    private final ConfluentAvro<SendRequest> sends;
    private final ConfluentAvro<ConsentEvent> consents;
    private final Map<TopicKind, AtomicLong> acked = new EnumMap<>(TopicKind.class);
    private final AtomicLong failed = new AtomicLong();
    private final AtomicReference<Exception> firstFailure = new AtomicReference<>();
    private final ConcurrentLinkedQueue<Coordinates> corrupt = new ConcurrentLinkedQueue<>();
    private final Map<TopicPartition, Long> endOffsets = new ConcurrentHashMap<>();

    /**
     * Registers SendRequest under {@code <sendsTopic>-value} and ConsentEvent under {@code
     * <consentTopic>-value} and connects.
     *
     * @param clientProperties extra Kafka client properties (security settings and the like)
     */
    public AvroKafkaProducer(
            String bootstrapServers,
            Properties clientProperties,
            ConfluentRegistryClient registry,
            String sendsTopic,
            String consentTopic)
            throws IOException {
        topics.put(TopicKind.SENDS, sendsTopic);
        topics.put(TopicKind.CONSENT, consentTopic);
        schemaIds.put(
                TopicKind.SENDS,
                registry.register(
                        ConfluentSchemaCoderProvider.valueSubject(sendsTopic),
                        SendRequest.getClassSchema()));
        schemaIds.put(
                TopicKind.CONSENT,
                registry.register(
                        ConfluentSchemaCoderProvider.valueSubject(consentTopic),
                        ConsentEvent.getClassSchema()));
        sends = new ConfluentAvro<>(SendRequest.class, SendRequest.getClassSchema(), registry);
        consents = new ConfluentAvro<>(ConsentEvent.class, ConsentEvent.getClassSchema(), registry);
        for (TopicKind k : TopicKind.values()) {
            acked.put(k, new AtomicLong());
        }
        Properties p = new Properties();
        p.putAll(clientProperties);
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "consentgate-demo-generator");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 128 * 1024);
        producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    public int schemaId(TopicKind topic) {
        return schemaIds.get(topic);
    }

    public String topic(TopicKind topic) {
        return topics.get(topic);
    }

    /** Hands the record to the Kafka producer (asynchronous; see {@link #flush()}). */
    public void send(GeneratedRecord r) throws IOException {
        byte[] value;
        if (r.corrupt()) {
            value = r.corruptValue();
        } else if (r.topic() == TopicKind.SENDS) {
            value = sends.encode(schemaIds.get(TopicKind.SENDS), (SendRequest) r.value());
        } else {
            value = consents.encode(schemaIds.get(TopicKind.CONSENT), (ConsentEvent) r.value());
        }
        // No explicit timestamp: the producer's clock, as a real upstream system would write.
        ProducerRecord<byte[], byte[]> record =
                new ProducerRecord<>(topics.get(r.topic()), r.key(), value);
        boolean isCorrupt = r.corrupt();
        TopicKind kind = r.topic();
        producer.send(
                record,
                (meta, error) -> {
                    if (error != null) {
                        failed.incrementAndGet();
                        firstFailure.compareAndSet(null, error);
                        return;
                    }
                    acked.get(kind).incrementAndGet();
                    endOffsets.merge(
                            new TopicPartition(meta.topic(), meta.partition()),
                            meta.offset() + 1,
                            Math::max);
                    if (isCorrupt) {
                        corrupt.add(new Coordinates(meta.topic(), meta.partition(), meta.offset()));
                    }
                });
    }

    /**
     * Writes a consent event to one partition of the consent topic, outside the generated traffic:
     * not counted in {@link #acked} nor in {@link #endOffsets}.
     */
    public void sendConsentTo(int partition, byte[] key, ConsentEvent event) throws IOException {
        byte[] value = consents.encode(schemaIds.get(TopicKind.CONSENT), event);
        producer.send(
                new ProducerRecord<>(topics.get(TopicKind.CONSENT), partition, key, value),
                (meta, error) -> {
                    if (error != null) {
                        failed.incrementAndGet();
                        firstFailure.compareAndSet(null, error);
                    }
                });
    }

    /** The number of partitions of an input topic. */
    public int partitions(TopicKind topic) {
        return producer.partitionsFor(topics.get(topic)).size();
    }

    /** Waits for every record handed over so far; throws if any of them failed. */
    public void flush() throws IOException {
        producer.flush();
        Exception e = firstFailure.get();
        if (e != null) {
            throw new IOException(failed.get() + " records could not be written", e);
        }
    }

    /** The first write error, if any. */
    public Exception failure() {
        return firstFailure.get();
    }

    public long acked(TopicKind topic) {
        return acked.get(topic).get();
    }

    /** Where every acknowledged corrupt record landed. */
    public List<Coordinates> corruptCoordinates() {
        return new ArrayList<>(corrupt);
    }

    /** For every partition written: one past the highest acknowledged offset. */
    public Map<TopicPartition, Long> endOffsets() {
        return Map.copyOf(endOffsets);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
