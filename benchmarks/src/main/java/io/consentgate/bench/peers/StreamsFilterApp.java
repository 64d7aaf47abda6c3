package io.consentgate.bench.peers;

import io.consentgate.engine.Decision;
import io.consentgate.engine.DecisionEngine;
import io.consentgate.engine.Policy;
import io.consentgate.engine.SubjectLedger;
import io.consentgate.filter.Records;
import io.consentgate.filter.SubjectKey;
import io.consentgate.filter.io.ConfluentAvroDecoder;
import io.consentgate.filter.io.DeadLetterCodes;
import io.consentgate.filter.io.InvalidRecordException;
import io.consentgate.filter.io.Registry;
import io.consentgate.filter.registry.ConfluentRegistryClient;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.DeadLetter;
import io.consentgate.schema.SendRequest;
import io.consentgate.schema.Verdict;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import org.apache.avro.specific.SpecificRecord;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.processor.api.RecordMetadata;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * Variant (c): the same decisions with Kafka Streams 4.2, as many teams would build it. Both input
 * topics are co-partitioned by the subject key, so one task owns a subject's sends and consent
 * events. A consent event updates the subject's {@link SubjectLedger}, kept as bytes in a
 * persistent (RocksDB) key-value store with a changelog; a send is decided with {@link
 * DecisionEngine#decide} against it and recorded in it. It writes the filter's own records ({@link
 * Records}: same audit ids, same fields) in the Confluent wire format to its own topics.
 *
 * <p>Ordering: Kafka Streams hands a task its partitions' records in timestamp order (the head
 * record with the lowest timestamp first, waiting for partitions that still have fetchable data).
 * The harness writes every input record with its event time as the Kafka timestamp and every
 * partition in event-time order, so each subject's events reach this app in the order the filter
 * applies them. What the filter does beyond that is left out here, and is part of what the
 * comparison measures: buffering out-of-order records until the watermark passes, re-deciding
 * deferred sends at their notBefore, recent-ALLOW tracking for retroactive-violation alerts, and
 * the cleanup timers.
 *
 * <p>Arguments ({@code --key value}): bootstrap-servers, registry-url, application-id, sends,
 * consent, approved, deferred, audit, dlq, guarantee (exactly_once_v2 | at_least_once), threads,
 * state-dir, and optionally commit-interval-ms.
 */
public final class StreamsFilterApp {
    static final String LEDGERS = "ledgers";
    static final String SENDS_SOURCE = "sends";
    static final String CONSENT_SOURCE = "consent-events";
    static final String DECIDE = "decide";
    static final String APPLY = "apply-consent";
    static final String APPROVED_SINK = "approved-sink";
    static final String DEFERRED_SINK = "deferred-sink";
    static final String AUDIT_SINK = "audit-sink";
    static final String DLQ_SINK = "dlq-sink";

    private static final Duration REGISTRY_RETRY_BUDGET = Duration.ofSeconds(30);

    private StreamsFilterApp() {}

    public static void main(String[] args) throws Exception {
        Map<String, String> opts = parse(args);
        Properties props = new Properties();
        props.put(StreamsConfig.APPLICATION_ID_CONFIG, required(opts, "application-id"));
        props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, required(opts, "bootstrap-servers"));
        props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, required(opts, "guarantee"));
        props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, opts.getOrDefault("threads", "1"));
        props.put(StreamsConfig.STATE_DIR_CONFIG, required(opts, "state-dir"));
        if (opts.containsKey("commit-interval-ms")) {
            props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, opts.get("commit-interval-ms"));
        }
        props.put(
                StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");

        Topology topology =
                topology(
                        required(opts, "registry-url"),
                        required(opts, "sends"),
                        required(opts, "consent"),
                        required(opts, "approved"),
                        required(opts, "deferred"),
                        required(opts, "audit"),
                        required(opts, "dlq"));
        KafkaStreams streams = new KafkaStreams(topology, props);
        CountDownLatch stopped = new CountDownLatch(1);
        streams.setStateListener(
                (now, before) -> {
                    if (now == KafkaStreams.State.RUNNING) {
                        ReadySignal.signal();
                    }
                    if (now == KafkaStreams.State.ERROR || now == KafkaStreams.State.NOT_RUNNING) {
                        stopped.countDown();
                    }
                });
        streams.setUncaughtExceptionHandler(
                e -> {
                    e.printStackTrace();
                    return org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler
                            .StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
                });
        Runtime.getRuntime()
                .addShutdownHook(
                        new Thread(() -> streams.close(Duration.ofSeconds(20)), "streams-close"));
        streams.start();
        stopped.await();
        // ERROR or NOT_RUNNING without a shutdown request: the benchmark must fail.
        System.exit(2);
    }

    /** Sources, the two processors over the shared ledger store, and the four sinks. */
    static Topology topology(
            String registryUrl,
            String sendsTopic,
            String consentTopic,
            String approvedTopic,
            String deferredTopic,
            String auditTopic,
            String dlqTopic) {
        Topology t = new Topology();
        t.addSource(
                SENDS_SOURCE, new ByteArrayDeserializer(), new ByteArrayDeserializer(), sendsTopic);
        t.addSource(
                CONSENT_SOURCE,
                new ByteArrayDeserializer(),
                new ByteArrayDeserializer(),
                consentTopic);
        t.addProcessor(DECIDE, () -> new DecideSend(registryUrl), SENDS_SOURCE);
        t.addProcessor(APPLY, () -> new ApplyConsent(registryUrl), CONSENT_SOURCE);
        t.addStateStore(
                Stores.keyValueStoreBuilder(
                                Stores.persistentKeyValueStore(LEDGERS),
                                Serdes.Bytes(),
                                Serdes.ByteArray())
                        .withCachingEnabled(),
                DECIDE,
                APPLY);
        ConfluentRegistryClient registry =
                new ConfluentRegistryClient(registryUrl, REGISTRY_RETRY_BUDGET);
        t.addSink(
                APPROVED_SINK,
                approvedTopic,
                new ByteArraySerializer(),
                new ConfluentAvroSerializer(registry),
                DECIDE);
        t.addSink(
                DEFERRED_SINK,
                deferredTopic,
                new ByteArraySerializer(),
                new ConfluentAvroSerializer(registry),
                DECIDE);
        t.addSink(
                AUDIT_SINK,
                auditTopic,
                new ByteArraySerializer(),
                new ConfluentAvroSerializer(registry),
                DECIDE);
        t.addSink(
                DLQ_SINK,
                dlqTopic,
                new ByteArraySerializer(),
                new ConfluentAvroSerializer(registry),
                DECIDE,
                APPLY);
        return t;
    }

    /** Shared by both processors: decoding, the ledger store, dead letters. */
    private abstract static class LedgerProcessor<T extends SpecificRecordBase>
            implements Processor<byte[], byte[], byte[], SpecificRecord> {
        private final Class<T> type;
        private final String registryUrl;
        protected ProcessorContext<byte[], SpecificRecord> context;
        protected KeyValueStore<Bytes, byte[]> ledgers;
        private ConfluentAvroDecoder<T> decoder;

        LedgerProcessor(Class<T> type, String registryUrl) {
            this.type = type;
            this.registryUrl = registryUrl;
        }

        @Override
        public void init(ProcessorContext<byte[], SpecificRecord> context) {
            this.context = context;
            this.ledgers = context.getStateStore(LEDGERS);
            this.decoder =
                    new ConfluentAvroDecoder<>(
                            type,
                            Registry.writerSchemas(registryUrl, REGISTRY_RETRY_BUDGET).create());
        }

        /** The decoded value, or null after writing a dead letter. */
        protected T decode(Record<byte[], byte[]> record) {
            if (record.key() == null) {
                deadLetter(record, DeadLetterCodes.NULL_KEY, "record has no key");
                return null;
            }
            if (record.value() == null) {
                deadLetter(record, DeadLetterCodes.NULL_VALUE, "record has no value");
                return null;
            }
            try {
                return decoder.decode(record.value());
            } catch (InvalidRecordException e) {
                deadLetter(record, e.code(), e.getMessage());
                return null;
            } catch (IOException e) {
                throw new UncheckedIOException("schema registry unavailable", e);
            }
        }

        protected void deadLetter(Record<byte[], byte[]> record, String code, String message) {
            RecordMetadata meta = context.recordMetadata().orElse(null);
            DeadLetter d =
                    DeadLetter.newBuilder()
                            .setSourceTopic(meta == null ? "" : meta.topic())
                            .setPartition(meta == null ? -1 : meta.partition())
                            .setOffset(meta == null ? -1L : meta.offset())
                            .setTimestamp(Instant.ofEpochMilli(record.timestamp()))
                            .setRawKey(record.key() == null ? null : ByteBuffer.wrap(record.key()))
                            .setRawValue(
                                    record.value() == null ? null : ByteBuffer.wrap(record.value()))
                            .setErrorCode(code)
                            .setErrorMessage(message)
                            .build();
            forward(record.key(), d, DLQ_SINK);
        }

        protected SubjectLedger load(Bytes key) {
            byte[] bytes = ledgers.get(key);
            return bytes == null ? SubjectLedger.empty() : SubjectLedger.fromBytes(bytes);
        }

        protected void store(Bytes key, SubjectLedger ledger) {
            if (ledger.isEmpty()) {
                ledgers.delete(key);
            } else {
                ledgers.put(key, ledger.toBytes());
            }
        }

        /** Outputs carry the processing time, as the filter's (event times can be months old). */
        protected void forward(byte[] key, SpecificRecord value, String sink) {
            context.forward(new Record<>(key, value, context.currentSystemTimeMs()), sink);
        }
    }

    /** Input 1: decides a send against the subject's ledger and records it there. */
    static final class DecideSend extends LedgerProcessor<SendRequest> {
        private final Policy policy = Policy.defaultPolicy();

        DecideSend(String registryUrl) {
            super(SendRequest.class, registryUrl);
        }

        @Override
        public void process(Record<byte[], byte[]> record) {
            SendRequest send = decode(record);
            if (send == null) {
                return;
            }
            if (!SubjectKey.matches(record.key(), send.getTenantId(), send.getSubjectId())) {
                deadLetter(
                        record,
                        DeadLetterCodes.KEY_MISMATCH,
                        "record key is not tenantId:subjectId of the value");
                return;
            }
            Bytes key = Bytes.wrap(record.key());
            SubjectLedger ledger = load(key);
            long at = send.getRequestedAt().toEpochMilli();
            Decision d = DecisionEngine.decide(send, ledger, policy);
            ledger.recordSend(send, d);
            String id = Records.decisionId(send, at, Records.DecisionKind.DECISION, d);
            forward(record.key(), Records.decision(send, d, id, at, false, false), AUDIT_SINK);
            if (d.verdict() == Verdict.ALLOW) {
                forward(record.key(), Records.approved(send, d, id), APPROVED_SINK);
            } else if (d.verdict() == Verdict.DEFER) {
                forward(record.key(), Records.deferred(send, d, id), DEFERRED_SINK);
            }
            store(key, ledger);
        }
    }

    /** Input 2: applies a consent event to the subject's ledger. */
    static final class ApplyConsent extends LedgerProcessor<ConsentEvent> {
        ApplyConsent(String registryUrl) {
            super(ConsentEvent.class, registryUrl);
        }

        @Override
        public void process(Record<byte[], byte[]> record) {
            ConsentEvent event = decode(record);
            if (event == null) {
                return;
            }
            if (!SubjectKey.matches(record.key(), event.getTenantId(), event.getSubjectId())) {
                deadLetter(
                        record,
                        DeadLetterCodes.KEY_MISMATCH,
                        "record key is not tenantId:subjectId of the value");
                return;
            }
            Bytes key = Bytes.wrap(record.key());
            SubjectLedger ledger = load(key);
            ledger.apply(event);
            store(key, ledger);
        }
    }

    private static Map<String, String> parse(String[] args) {
        Map<String, String> m = new LinkedHashMap<>();
        for (int i = 0; i < args.length; i++) {
            if (!args[i].startsWith("--") || i + 1 >= args.length) {
                throw new IllegalArgumentException("expected --key value at '" + args[i] + "'");
            }
            m.put(args[i].substring(2), args[++i]);
        }
        return m;
    }

    private static String required(Map<String, String> opts, String key) {
        String v = opts.get(key);
        if (v == null || v.isBlank()) {
            throw new IllegalArgumentException("--" + key + " is required");
        }
        return v;
    }
}
