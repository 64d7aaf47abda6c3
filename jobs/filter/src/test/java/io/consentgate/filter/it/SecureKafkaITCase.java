package io.consentgate.filter.it;

import static io.consentgate.engine.testing.ConsentBuilder.aConsent;
import static io.consentgate.engine.testing.SendBuilder.aSend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consentgate.filter.FilterConfig;
import io.consentgate.filter.SubjectKey;
import io.consentgate.filter.io.DeadLetterCodes;
import io.consentgate.filter.registry.ConfluentSchemaCoderProvider;
import io.consentgate.local.KafkaBroker;
import io.consentgate.local.LocalInfra;
import io.consentgate.local.SecuritySettings;
import io.consentgate.schema.ApprovedSend;
import io.consentgate.schema.AuditEvent;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.DeadLetter;
import io.consentgate.schema.DeferredSend;
import io.consentgate.schema.SendRequest;
import io.consentgate.schema.Verdict;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.formats.avro.RegistryAvroDeserializationSchema;
import org.apache.flink.formats.avro.RegistryAvroSerializationSchema;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The job over a TLS + SASL/PLAIN listener (issue 6, "Security"): a broker in this JVM with a
 * SASL_SSL listener on 127.0.0.1 (a self-signed certificate made by keytool at test time, one PLAIN
 * user); the job reaches it only through {@link FilterConfig}'s {@code kafka.*} pass-through
 * properties; every test client uses the same listener.
 *
 * <p>Asserts that decisions flow end to end, that a wrong password is refused, and that no log line
 * of this JVM at INFO and above (the job, the Kafka clients, the broker) and no audit event or dead
 * letter's readable fields contain the distinctive e-mail address and phone number put in the
 * payloads, or the SASL or key-store password. Approved sends carry the request and its payload
 * legitimately: they are checked for secrets only.
 */
class SecureKafkaITCase {

    static final String TENANT = "t-secure";
    static final Instant T = Instant.parse("2026-03-02T12:00:00Z");
    static final int SENDS = 20;

    static final String EMAIL = "zelda.quux-4417@leak-canary.example";
    static final String PHONE = "+44 7700 900461";
    static final String PHONE_DIGITS = "447700900461";
    static final String USER = "cg-filter";
    static final String SASL_PASSWORD = "Sasl-Canary-9f3b71e2";
    static final String STORE_PASSWORD = "Store-Canary-5c0d28aa";
    static final String WRONG_PASSWORD = "Wrong-Canary-31d7e0b4";

    static final List<String> PERSONAL = List.of(EMAIL, PHONE, PHONE_DIGITS);
    static final List<String> SECRETS = List.of(SASL_PASSWORD, STORE_PASSWORD, WRONG_PASSWORD);

    @RegisterExtension static final FlinkMiniCluster CLUSTER = PipelineRun.miniCluster();

    @Test
    void decisionsFlowOverSaslSslAndNothingLeaksIntoLogsOrAudit(MiniCluster cluster)
            throws Exception {
        long t0 = System.nanoTime();
        // Start the registry first: its start-up is not part of what is checked.
        String registryUrl = LocalInfra.registry().confluentApiUrl();
        Path dir =
                Path.of(System.getProperty("java.io.tmpdir"), "secure-kafka-" + UUID.randomUUID())
                        .toAbsolutePath();
        Topics topics = Topics.fresh("secure-kafka");
        Set<String> allowed = new TreeSet<>();
        Set<String> sent = new TreeSet<>();
        List<String> lines;
        List<AuditEvent> audit;
        List<DeadLetter> dlq;
        List<ApprovedSend> approved;
        List<DeferredSend> deferred;
        long started;
        long ran;
        int attempts;
        try (CapturedLogs logs = new CapturedLogs(Level.INFO)) {
            SecuritySettings security =
                    SecuritySettings.selfSigned(
                            dir.resolve("tls"), STORE_PASSWORD, USER, SASL_PASSWORD);
            try (KafkaBroker broker = KafkaBroker.startSecure(dir.resolve("kafka"), security)) {
                started = System.nanoTime();
                String bootstrap = broker.secureBootstrapServers();
                Properties client = security.clientProperties();
                client.put(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);

                assertWrongPasswordIsRefused(client);
                createTopics(client, topics);
                produce(client, registryUrl, topics, allowed, sent);

                Map<String, String> overrides = new LinkedHashMap<>();
                for (String name : security.clientProperties().stringPropertyNames()) {
                    overrides.put(
                            FilterConfig.KAFKA_PREFIX + name,
                            security.clientProperties().getProperty(name));
                }
                FilterConfig config = PipelineRun.config(topics, bootstrap, overrides);
                assertThat(config.toString()).doesNotContain(SASL_PASSWORD, STORE_PASSWORD);
                var job = PipelineRun.run(cluster, config, PipelineRun.noRestarts());
                ran = System.nanoTime();
                attempts = PipelineRun.maxAttemptNumber(cluster, job);

                audit = read(client, registryUrl, topics.audit(), AuditEvent.class);
                dlq = read(client, registryUrl, topics.dlq(), DeadLetter.class);
                approved = read(client, registryUrl, topics.approved(), ApprovedSend.class);
                deferred = read(client, registryUrl, topics.deferred(), DeferredSend.class);
            }
            lines = logs.lines();
        }

        // Decisions flowed end to end over SASL_SSL.
        assertThat(attempts).as("single attempt").isZero();
        Map<String, List<AuditEvent>> decided =
                audit.stream()
                        .filter(Decisions::isFirstDecision)
                        .collect(Collectors.groupingBy(a -> a.getMessageId().toString()));
        assertThat(decided.keySet()).containsExactlyInAnyOrderElementsOf(sent);
        assertThat(decided.values()).allSatisfy(l -> assertThat(l).hasSize(1));
        for (String id : sent) {
            assertThat(decided.get(id).get(0).getVerdict())
                    .as(id)
                    .isEqualTo(allowed.contains(id) ? Verdict.ALLOW : Verdict.BLOCK);
        }
        assertThat(approved)
                .extracting(a -> a.getRequest().getMessageId().toString())
                .containsExactlyInAnyOrderElementsOf(allowed);
        assertThat(dlq)
                .extracting(d -> d.getErrorCode().toString())
                .containsExactlyInAnyOrder(
                        DeadLetterCodes.BAD_MAGIC_BYTE, DeadLetterCodes.KEY_MISMATCH);

        // Positive controls: the canaries were in the data the job handled.
        assertThat(approved)
                .allSatisfy(
                        a -> assertThat(utf8(a.getRequest().getPayload())).contains(EMAIL, PHONE));
        assertThat(dlq)
                .allSatisfy(d -> assertThat(utf8(d.getRawValue())).contains(EMAIL, PHONE_DIGITS));
        assertThat(lines).as("captured log lines").hasSizeGreaterThan(50);
        assertThat(lines)
                .as("the Kafka clients logged their SASL_SSL configuration")
                .anyMatch(l -> l.contains("SASL_SSL"));

        // Nothing leaked.
        List<String> leaks = new ArrayList<>();
        for (String line : lines) {
            leaks.addAll(found("log", line, PERSONAL, SECRETS));
        }
        for (AuditEvent a : audit) {
            leaks.addAll(found("audit " + a.getAuditId(), a.toString(), PERSONAL, SECRETS));
        }
        for (DeadLetter d : dlq) {
            String visible =
                    d.getSourceTopic() + " " + d.getErrorCode() + " " + d.getErrorMessage();
            leaks.addAll(found("dead letter " + d.getOffset(), visible, PERSONAL, SECRETS));
        }
        for (ApprovedSend a : approved) {
            String visible = a.toString() + " " + utf8(a.getRequest().getPayload());
            leaks.addAll(found("approved " + a.getDecisionId(), visible, List.of(), SECRETS));
        }
        for (DeferredSend d : deferred) {
            leaks.addAll(found("deferred", d.toString(), List.of(), SECRETS));
        }
        assertThat(leaks)
                .as("addresses, payloads or secrets found:%n%s", String.join("\n", leaks))
                .isEmpty();

        long hidden = lines.stream().filter(l -> l.contains("[hidden]")).count();
        System.out.printf(
                "SecureKafkaITCase: %d sends (%d allowed), %d audit events, %d dead letters;"
                        + " %d log lines checked (%d with [hidden] values), no leak; TLS + broker"
                        + " %d ms, job %d ms, total %d ms%n",
                sent.size(),
                allowed.size(),
                audit.size(),
                dlq.size(),
                lines.size(),
                hidden,
                (started - t0) / 1_000_000,
                (ran - started) / 1_000_000,
                (System.nanoTime() - t0) / 1_000_000);
    }

    private static List<String> found(
            String where, String text, List<String> personal, List<String> secrets) {
        List<String> out = new ArrayList<>();
        for (String s : personal) {
            if (text.contains(s)) {
                out.add(where + " contains personal data '" + s + "': " + abbreviate(text));
            }
        }
        for (String s : secrets) {
            if (text.contains(s)) {
                out.add(where + " contains a secret: " + abbreviate(text));
            }
        }
        return out;
    }

    private static String abbreviate(String s) {
        return s.length() <= 400 ? s : s.substring(0, 400) + "...";
    }

    private static void assertWrongPasswordIsRefused(Properties client) {
        Properties wrong = new Properties();
        wrong.putAll(client);
        wrong.put("sasl.jaas.config", SecuritySettings.clientJaasConfig(USER, WRONG_PASSWORD));
        wrong.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 15_000);
        wrong.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 10_000);
        try (Admin admin = Admin.create(wrong)) {
            assertThatThrownBy(() -> admin.describeCluster().nodes().get(30, TimeUnit.SECONDS))
                    .as("a wrong SASL password is refused")
                    .hasStackTraceContaining("Authentication failed");
        }
    }

    private static void createTopics(Properties client, Topics topics) throws Exception {
        List<NewTopic> created = new ArrayList<>();
        for (String name : topics.used()) {
            created.add(
                    new NewTopic(name, KafkaTestIo.PARTITIONS, (short) 1)
                            .configs(Map.of("retention.ms", "-1")));
        }
        try (Admin admin = Admin.create(client)) {
            admin.createTopics(created).all().get(60, TimeUnit.SECONDS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
            while (!admin
                    .describeTopics(topics.used())
                    .allTopicNames()
                    .get(30, TimeUnit.SECONDS)
                    .values()
                    .stream()
                    .flatMap(d -> d.partitions().stream())
                    .allMatch(p -> p.leader() != null && !p.leader().isEmpty())) {
                assertThat(System.nanoTime()).as("topic leaders").isLessThan(deadline);
                Thread.sleep(100);
            }
        }
    }

    /** Consent for the even subjects, none for the odd ones; every send carries the canaries. */
    private static void produce(
            Properties client,
            String registryUrl,
            Topics topics,
            Set<String> allowed,
            Set<String> sent) {
        Properties p = new Properties();
        p.putAll(client);
        p.put(ProducerConfig.ACKS_CONFIG, "all");
        p.put(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, true);
        p.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        p.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, ByteArraySerializer.class);
        long now = Instant.now().toEpochMilli();
        byte[] payload =
                ("To: Zelda Quux <" + EMAIL + ">\nTel: " + PHONE + "\nHello Zelda, 20% off!")
                        .getBytes(StandardCharsets.UTF_8);
        try (KafkaProducer<byte[], byte[]> producer = new KafkaProducer<>(p)) {
            Encoder<ConsentEvent> consent =
                    new Encoder<>(registryUrl, topics.consent(), ConsentEvent.class);
            Encoder<SendRequest> sends =
                    new Encoder<>(registryUrl, topics.sends(), SendRequest.class);
            List<java.util.concurrent.Future<?>> pending = new ArrayList<>();
            for (int i = 0; i < SENDS; i += 2) {
                ConsentEvent grant =
                        aConsent()
                                .id("ce-secure-" + i)
                                .subject(TENANT, "s-" + i)
                                .at(T.minusSeconds(60))
                                .build();
                pending.add(
                        producer.send(
                                new ProducerRecord<>(
                                        topics.consent(),
                                        null,
                                        now,
                                        SubjectKey.bytes(TENANT, "s-" + i),
                                        consent.encode(grant))));
            }
            for (int i = 0; i < SENDS; i++) {
                SendRequest s =
                        SendRequest.newBuilder(
                                        aSend().id("secure-" + i)
                                                .subject(TENANT, "s-" + i)
                                                .at(T.plusSeconds(i))
                                                .build())
                                .setPayload(ByteBuffer.wrap(payload))
                                .build();
                pending.add(
                        producer.send(
                                new ProducerRecord<>(
                                        topics.sends(),
                                        null,
                                        now,
                                        SubjectKey.bytes(TENANT, "s-" + i),
                                        sends.encode(s))));
                sent.add("secure-" + i);
                if (i % 2 == 0) {
                    allowed.add("secure-" + i);
                }
            }
            // Two dead letters whose raw values hold the canaries: JSON, and a key mismatch.
            String json =
                    "{\"messageId\":\"secure-json\",\"to\":\""
                            + EMAIL
                            + "\",\"tel\":\""
                            + PHONE_DIGITS
                            + "\"}";
            pending.add(
                    producer.send(
                            new ProducerRecord<>(
                                    topics.sends(),
                                    null,
                                    now,
                                    SubjectKey.bytes(TENANT, "s-0"),
                                    json.getBytes(StandardCharsets.UTF_8))));
            SendRequest mismatched =
                    SendRequest.newBuilder(
                                    aSend().id("secure-mismatch")
                                            .subject(TENANT, "s-0")
                                            .at(T)
                                            .build())
                            .setPayload(
                                    ByteBuffer.wrap(
                                            (new String(payload, StandardCharsets.UTF_8)
                                                            + " "
                                                            + PHONE_DIGITS)
                                                    .getBytes(StandardCharsets.UTF_8)))
                            .build();
            pending.add(
                    producer.send(
                            new ProducerRecord<>(
                                    topics.sends(),
                                    null,
                                    now,
                                    SubjectKey.bytes(TENANT, "s-other"),
                                    sends.encode(mismatched))));
            producer.flush();
            for (java.util.concurrent.Future<?> f : pending) {
                f.get(60, TimeUnit.SECONDS);
            }
        } catch (Exception e) {
            throw new IllegalStateException("cannot write the test records over SASL_SSL", e);
        }
    }

    /** Every committed record of the topic, read over the secure listener. */
    private static <T extends SpecificRecord> List<T> read(
            Properties client, String registryUrl, String topic, Class<T> type) throws Exception {
        RegistryAvroDeserializationSchema<T> reader =
                new RegistryAvroDeserializationSchema<>(
                        type,
                        null,
                        new ConfluentSchemaCoderProvider(
                                registryUrl, null, KafkaTestIo.REGISTRY_BUDGET));
        Properties p = new Properties();
        p.putAll(client);
        p.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
        p.put(ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false);
        p.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        p.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, ByteArrayDeserializer.class);
        List<T> out = new ArrayList<>();
        try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(p)) {
            List<TopicPartition> partitions = new ArrayList<>();
            for (int i = 0; i < KafkaTestIo.PARTITIONS; i++) {
                partitions.add(new TopicPartition(topic, i));
            }
            consumer.assign(partitions);
            consumer.seekToBeginning(partitions);
            Map<TopicPartition, Long> end = new HashMap<>(consumer.endOffsets(partitions));
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
            while (partitions.stream().anyMatch(tp -> consumer.position(tp) < end.get(tp))) {
                assertThat(System.nanoTime()).as("reading " + topic).isLessThan(deadline);
                for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofMillis(200))) {
                    out.add(reader.deserialize(r.value()));
                }
            }
        }
        return out;
    }

    private static String utf8(ByteBuffer b) {
        if (b == null) {
            return "";
        }
        ByteBuffer copy = b.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return new String(bytes, StandardCharsets.UTF_8);
    }

    /** Confluent wire-format Avro, the schema registered under topic-value. */
    private static final class Encoder<T extends SpecificRecord> {
        private final RegistryAvroSerializationSchema<T> writer;

        Encoder(String registryUrl, String topic, Class<T> type) {
            writer =
                    RegistryAvroSerializationSchema.forSpecific(
                            type,
                            ConfluentSchemaCoderProvider.forTopicValues(
                                    registryUrl, topic, KafkaTestIo.REGISTRY_BUDGET));
        }

        byte[] encode(T record) {
            return writer.serialize(record);
        }
    }
}
