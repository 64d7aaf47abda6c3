package io.consentgate.bench.harness;

import io.consentgate.demo.GeneratedRecord;
import io.consentgate.demo.TopicKind;
import io.consentgate.filter.SubjectKey;
import io.consentgate.filter.registry.ConfluentRegistryClient;
import io.consentgate.filter.registry.ConfluentSchemaCoder;
import io.consentgate.filter.registry.ConfluentSchemaCoderProvider;
import io.consentgate.schema.Category;
import io.consentgate.schema.Channel;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.ConsentEventType;
import io.consentgate.schema.ContentFacts;
import io.consentgate.schema.RecipientType;
import io.consentgate.schema.SendRequest;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.util.Properties;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.serialization.ByteArraySerializer;

/**
 * Writes the benchmark's input: generated records in the Confluent wire format, each with its event
 * time as the Kafka timestamp (the Kafka Streams peer orders a task's records by it; the filter
 * reads event time from the value), keyed by subject so that both topics are co-partitioned. Also
 * writes the clock records that move the filter's watermark where a bounded input needs it.
 *
 * <p>Thread-safe.
 */
final class InputWriter implements AutoCloseable {
    /** Reserved tenant of the clock records ({@link #clock}); never in generated traffic. */
    static final String CLOCK_TENANT = "bench-clock";

    private final KafkaProducer<byte[], byte[]> producer;
    private final String sendsTopic;
    private final String consentTopic;
    private final int sendsSchemaId;
    private final int consentSchemaId;
    private final SpecificDatumWriter<SendRequest> sendWriter =
            new SpecificDatumWriter<>(SendRequest.class);
    private final SpecificDatumWriter<ConsentEvent> consentWriter =
            new SpecificDatumWriter<>(ConsentEvent.class);
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(2048);
    private final AtomicReference<Exception> failure = new AtomicReference<>();
    private BinaryEncoder encoder;
    private long clocks;

    InputWriter(
            String bootstrapServers,
            ConfluentRegistryClient registry,
            String sendsTopic,
            String consentTopic)
            throws IOException {
        this.sendsTopic = sendsTopic;
        this.consentTopic = consentTopic;
        this.sendsSchemaId =
                registry.register(
                        ConfluentSchemaCoderProvider.valueSubject(sendsTopic),
                        SendRequest.getClassSchema());
        this.consentSchemaId =
                registry.register(
                        ConfluentSchemaCoderProvider.valueSubject(consentTopic),
                        ConsentEvent.getClassSchema());
        Properties p = new Properties();
        p.put(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrapServers);
        p.put(ProducerConfig.CLIENT_ID_CONFIG, "consentgate-bench-input");
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.LINGER_MS_CONFIG, 5);
        p.put(ProducerConfig.BATCH_SIZE_CONFIG, 256 * 1024);
        p.put(ProducerConfig.BUFFER_MEMORY_CONFIG, 128L * 1024 * 1024);
        p.put(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4");
        // A loaded machine can stall the broker for long: no batch may time out and be resent.
        p.put(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, 120_000);
        p.put(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, 900_000);
        // One request in flight: a first batch refused with NOT_LEADER_OR_FOLLOWER by a
        // partition that was just created must not be overtaken by the next one (the broker then
        // refuses the retry as out of order, forever). Order matters here anyway: every partition
        // must stay in event-time order.
        p.put(ProducerConfig.MAX_IN_FLIGHT_REQUESTS_PER_CONNECTION, 1);
        producer = new KafkaProducer<>(p, new ByteArraySerializer(), new ByteArraySerializer());
    }

    int sendsSchemaId() {
        return sendsSchemaId;
    }

    int consentSchemaId() {
        return consentSchemaId;
    }

    int partitions() {
        return producer.partitionsFor(consentTopic).size();
    }

    /** The bytes a valid send is written as (for the passthrough's latency lookup). */
    synchronized byte[] encode(SendRequest send) throws IOException {
        buffer.reset();
        ConfluentSchemaCoder.writeHeader(sendsSchemaId, buffer);
        encoder = EncoderFactory.get().directBinaryEncoder(buffer, encoder);
        sendWriter.write(send, encoder);
        encoder.flush();
        return buffer.toByteArray();
    }

    synchronized byte[] encode(ConsentEvent event) throws IOException {
        buffer.reset();
        ConfluentSchemaCoder.writeHeader(consentSchemaId, buffer);
        encoder = EncoderFactory.get().directBinaryEncoder(buffer, encoder);
        consentWriter.write(event, encoder);
        encoder.flush();
        return buffer.toByteArray();
    }

    /**
     * Writes one record.
     *
     * @param value the encoded value (the corrupt bytes for a corrupt record)
     * @param eventTime the Kafka timestamp
     */
    void write(GeneratedRecord r, byte[] value, long eventTime) throws IOException {
        String topic = r.topic() == TopicKind.SENDS ? sendsTopic : consentTopic;
        producer.send(new ProducerRecord<>(topic, null, eventTime, r.key(), value), this::acked);
        throwIfFailed();
    }

    private void acked(Object meta, Exception error) {
        if (error != null) {
            failure.compareAndSet(null, error);
        }
    }

    private void throwIfFailed() throws IOException {
        Exception e = failure.get();
        if (e != null) {
            throw new IOException("writing the input failed", e);
        }
    }

    void flush() throws IOException {
        producer.flush();
        throwIfFailed();
    }

    /**
     * Moves event time to {@code eventTime} on every partition of the sends topic (and of the
     * consent topic if {@code consentToo}): one SERVICE send (and one AGE_DECLARED consent event)
     * of the reserved tenant per partition.
     *
     * <p>The filter's watermark is the minimum over every partition of both inputs, and the harness
     * runs it with a source idleness longer than any run (see Harness), so an input partition
     * without records holds it back. Hence: sends only, just before the first send, written before
     * the history of a paced run (whose sends topic is otherwise empty while the history is read),
     * so that the watermark follows the history; and both topics after the last send, so that it
     * passes every send. The sends of one partition share a message id (after the first they are
     * duplicates, so the clock subjects' ledgers stay small). The harness ignores the clock
     * tenant's decisions; they are a handful per run.
     */
    synchronized void clock(long eventTime, boolean consentToo) throws IOException {
        int partitions = partitions();
        for (int p = 0; p < partitions; p++) {
            String subject = String.format("sub-clock-%04d", p);
            byte[] key = SubjectKey.bytes(CLOCK_TENANT, subject);
            ConsentEvent e =
                    ConsentEvent.newBuilder()
                            .setEventId("evt-clock-" + p + "-" + clocks)
                            .setTenantId(CLOCK_TENANT)
                            .setSubjectId(subject)
                            .setType(ConsentEventType.AGE_DECLARED)
                            .setOccurredAt(Instant.ofEpochMilli(eventTime))
                            .setBirthDate(LocalDate.of(1970, 1, 1))
                            .build();
            SendRequest send =
                    SendRequest.newBuilder()
                            .setMessageId("msg-clock-" + p)
                            .setTenantId(CLOCK_TENANT)
                            .setSubjectId(subject)
                            .setChannel(Channel.EMAIL)
                            .setCategory(Category.SERVICE)
                            .setJurisdiction("GB")
                            .setRecipientType(RecipientType.INDIVIDUAL)
                            .setTimeZone("Europe/London")
                            .setContent(
                                    ContentFacts.newBuilder()
                                            .setSenderIdentified(true)
                                            .setUnsubscribe(true)
                                            .setOneClickUnsubscribe(true)
                                            .setFirstContact(false)
                                            .setObjectionNotice(true)
                                            .setContainsPromotion(false)
                                            .build())
                            .setRequestedAt(Instant.ofEpochMilli(eventTime))
                            .build();
            if (consentToo) {
                producer.send(
                        new ProducerRecord<>(consentTopic, p, eventTime, key, encode(e)),
                        this::acked);
            }
            producer.send(
                    new ProducerRecord<>(sendsTopic, p, eventTime, key, encode(send)), this::acked);
        }
        clocks++;
        flush();
    }

    /** True for the clock records' tenant. */
    static boolean isClock(String tenantId) {
        return CLOCK_TENANT.equals(tenantId);
    }

    @Override
    public void close() {
        producer.close(Duration.ofSeconds(10));
    }
}
