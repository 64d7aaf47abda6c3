package io.consentgate.filter.it;

import static io.consentgate.engine.testing.ConsentBuilder.aConsent;
import static io.consentgate.engine.testing.ConsentBuilder.an;
import static io.consentgate.engine.testing.SendBuilder.aSend;
import static org.assertj.core.api.Assertions.assertThat;

import io.consentgate.filter.FilterConfig;
import io.consentgate.filter.SubjectKey;
import io.consentgate.filter.io.DeadLetterCodes;
import io.consentgate.filter.it.KafkaTestIo.Out;
import io.consentgate.filter.registry.ConfluentRegistryClient;
import io.consentgate.filter.registry.ConfluentSchemaCoder;
import io.consentgate.schema.ApprovedSend;
import io.consentgate.schema.AuditEvent;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.ConsentEventType;
import io.consentgate.schema.DeadLetter;
import io.consentgate.schema.Reason;
import io.consentgate.schema.SendRequest;
import io.consentgate.schema.Verdict;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.JobID;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A corpus of malformed and hostile input on both input topics (issue 6, "Bad input"): every kind
 * lands in the dead-letter topic with its own error code, none is decided or approved, the job runs
 * in a single attempt; and input that decodes but that the engine cannot place (an unsupported or
 * lower-case country, a time-zone abbreviation on a US call) is not a dead letter but an audited
 * BLOCK UNKNOWN_JURISDICTION / UNKNOWN_TIMEZONE (scenarios/FORMAT.md).
 *
 * <p>Duplicate consent event ids are not dead letters: the ledger applies a consent event id once
 * (idempotent), which is fail-closed for a re-delivered event; this test asserts that behaviour.
 *
 * <p>{@link DeadLetterITCase} checks the dead letter's fields (raw key, value, timestamp) per code;
 * this test checks the breadth of inputs, kind by kind, and prints the corpus with its codes.
 */
class BadInputCorpusITCase {

    static final String TENANT = "t-corpus";
    static final Instant T = Instant.parse("2026-03-02T12:00:00Z");
    static final int MAX_RECORD_BYTES = 2048;

    @RegisterExtension static final FlinkMiniCluster CLUSTER = PipelineRun.miniCluster();

    /** One kind of bad input and the code its dead letter must carry. */
    record Kind(String name, String code, ProducerRecord<byte[], byte[]> record) {}

    @Test
    void everyKindOfBadInputIsDeadLetteredWithItsCodeAndUnplaceableSendsAreDecisions(
            MiniCluster cluster) throws Exception {
        long t0 = System.nanoTime();
        Topics topics = Topics.fresh("bad-input-corpus");
        KafkaTestIo.createTopics(topics);
        FilterConfig config =
                PipelineRun.config(
                        topics,
                        Map.of(
                                FilterConfig.MAX_RECORD_BYTES.name(),
                                Integer.toString(MAX_RECORD_BYTES)));
        long now = Instant.now().toEpochMilli();
        Map<String, RecordMetadata> written = new LinkedHashMap<>();
        Map<String, Kind> kinds = new LinkedHashMap<>();
        List<String> allowed = new ArrayList<>();
        try (KafkaTestIo kafka = new KafkaTestIo()) {
            Corpus corpus = new Corpus(kafka, topics, now);
            for (int i = 0; i < 4; i++) {
                kafka.sendNow(corpus.consent(i % 2, grant("s-ok-" + i, T.plusSeconds(1))));
            }
            // The same consent event twice (a re-delivery): applied once, not a dead letter.
            ConsentEvent dup =
                    ConsentEvent.newBuilder(grant("s-dup", T.plusSeconds(1)))
                            .setEventId("ce-dup")
                            .build();
            kafka.sendNow(corpus.consent(0, dup));
            kafka.sendNow(corpus.consent(1, dup));
            kafka.sendNow(corpus.consent(0, dup));

            List<Kind> bad = new ArrayList<>(corpus.badSends());
            bad.addAll(corpus.badConsentEvents());
            for (Kind k : bad) {
                assertThat(kinds.put(k.name(), k)).as("kind names are unique").isNull();
                written.put(k.name(), kafka.sendNow(k.record()));
            }

            // Valid input after the bad records, on both partitions.
            for (int i = 0; i < 4; i++) {
                kafka.sendNow(
                        corpus.send(i % 2, sendOf("ok-" + i, "s-ok-" + i, T.plusSeconds(60))));
                allowed.add("ok-" + i);
            }
            kafka.sendNow(corpus.send(0, sendOf("ok-dup", "s-dup", T.plusSeconds(60))));
            allowed.add("ok-dup");
            // Decodes fine, but the engine cannot place it: decisions, not dead letters.
            kafka.sendNow(
                    corpus.send(
                            0,
                            aSend().id("unplaced-br")
                                    .subject(TENANT, "s-ok-0")
                                    .at(T.plusSeconds(61))
                                    .in("BR", "America/Sao_Paulo")
                                    .build()));
            kafka.sendNow(
                    corpus.send(
                            1,
                            aSend().id("unplaced-gb-lower")
                                    .subject(TENANT, "s-ok-1")
                                    .at(T.plusSeconds(61))
                                    .in("gb", "Europe/London")
                                    .build()));
            kafka.sendNow(
                    corpus.send(
                            0,
                            aSend().id("unplaced-us-est")
                                    .subject(TENANT, "s-ok-2")
                                    .at(T.plusSeconds(61))
                                    .inUs()
                                    .phoneCall()
                                    .timeZone("EST")
                                    .build()));
        }
        long written0 = System.nanoTime();

        JobID job =
                PipelineRun.run(
                        cluster,
                        config,
                        PipelineRun.fixedDelayRestarts(2, java.time.Duration.ofMillis(200)));
        long ran = System.nanoTime();
        assertThat(PipelineRun.maxAttemptNumber(cluster, job))
                .as("the job ran in a single attempt: no input made it restart")
                .isZero();

        List<Out<DeadLetter>> dlq = KafkaTestIo.readCommitted(topics.dlq(), DeadLetter.class);
        Map<String, DeadLetter> byOrigin = new HashMap<>();
        for (Out<DeadLetter> o : dlq) {
            DeadLetter d = o.value();
            assertThat(byOrigin.put(origin(d.getSourceTopic(), d.getPartition(), d.getOffset()), d))
                    .as("one dead letter per bad record")
                    .isNull();
        }
        Map<String, String> actual = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, RecordMetadata> e : written.entrySet()) {
            RecordMetadata at = e.getValue();
            DeadLetter d = byOrigin.get(origin(at.topic(), at.partition(), at.offset()));
            Kind k = kinds.get(e.getKey());
            String got = d == null ? "(no dead letter)" : d.getErrorCode();
            actual.put(e.getKey(), got);
            if (!k.code().equals(got)) {
                problems.add(
                        k.name()
                                + ": expected "
                                + k.code()
                                + ", got "
                                + got
                                + (d == null ? "" : " (" + d.getErrorMessage() + ")"));
            }
        }
        System.out.printf(
                "BadInputCorpusITCase: %d kinds (%d on the sends topic, %d on the consent"
                        + " topic), %d distinct codes%n",
                kinds.size(),
                kinds.values().stream()
                        .filter(k -> k.record().topic().equals(topics.sends()))
                        .count(),
                kinds.values().stream()
                        .filter(k -> k.record().topic().equals(topics.consent()))
                        .count(),
                new TreeSet<>(actual.values()).size());
        kinds.values()
                .forEach(
                        k ->
                                System.out.printf(
                                        "  %-8s %-45s -> %s%n",
                                        k.record().topic().equals(topics.sends())
                                                ? "sends"
                                                : "consent",
                                        k.name(),
                                        actual.get(k.name())));
        assertThat(problems)
                .as("kinds with a wrong or missing dead letter:%n%s", String.join("\n", problems))
                .isEmpty();
        assertThat(kinds).hasSizeGreaterThanOrEqualTo(25);
        assertThat(dlq).as("no dead letter for valid input").hasSize(kinds.size());

        List<AuditEvent> audit =
                KafkaTestIo.readCommitted(topics.audit(), AuditEvent.class).stream()
                        .map(Out::value)
                        .collect(Collectors.toList());
        List<Out<ApprovedSend>> approved =
                KafkaTestIo.readCommitted(topics.approved(), ApprovedSend.class);
        assertThat(approved)
                .extracting(o -> o.value().getRequest().getMessageId())
                .containsExactlyInAnyOrderElementsOf(allowed);
        Map<String, List<AuditEvent>> decided =
                audit.stream()
                        .filter(Decisions::isFirstDecision)
                        .collect(Collectors.groupingBy(a -> a.getMessageId().toString()));
        Set<String> expectedDecided = new TreeSet<>(allowed);
        expectedDecided.addAll(List.of("unplaced-br", "unplaced-gb-lower", "unplaced-us-est"));
        assertThat(decided.keySet())
                .as("only the valid sends are decided")
                .containsExactlyInAnyOrderElementsOf(expectedDecided);
        assertThat(decided.values()).allSatisfy(l -> assertThat(l).hasSize(1));
        for (String id : allowed) {
            assertThat(decided.get(id).get(0).getVerdict()).as(id).isEqualTo(Verdict.ALLOW);
        }
        assertThat(decided.get("ok-dup").get(0).getDecidingEventIds())
                .as("the duplicated consent event, applied once")
                .extracting(Object::toString)
                .containsExactly("ce-dup");
        assertPlacementBlock(decided, "unplaced-br", Reason.UNKNOWN_JURISDICTION);
        assertPlacementBlock(decided, "unplaced-gb-lower", Reason.UNKNOWN_JURISDICTION);
        assertPlacementBlock(decided, "unplaced-us-est", Reason.UNKNOWN_TIMEZONE);

        long end = System.nanoTime();
        System.out.printf(
                "BadInputCorpusITCase: %d dead letters, %d decisions (%d approved), write %d ms,"
                        + " job %d ms, checks %d ms%n",
                dlq.size(),
                decided.size(),
                approved.size(),
                (written0 - t0) / 1_000_000,
                (ran - written0) / 1_000_000,
                (end - ran) / 1_000_000);
    }

    /**
     * A consent event that reuses the id of an earlier, different event is applied (only an exact
     * redelivery is ignored): a withdrawal that reuses its grant's id must still block.
     */
    @Test
    void aConsentEventReusingAnotherEventsIdIsNotSilentlyDropped(MiniCluster cluster)
            throws Exception {
        Topics topics = Topics.fresh("reused-event-id");
        KafkaTestIo.createTopics(topics);
        FilterConfig config = PipelineRun.config(topics, Map.of());
        try (KafkaTestIo kafka = new KafkaTestIo()) {
            Corpus corpus = new Corpus(kafka, topics, Instant.now().toEpochMilli());
            for (String subject : List.of("s-reuse", "s-control")) {
                kafka.sendNow(
                        corpus.consent(
                                0,
                                ConsentEvent.newBuilder(grant(subject, T.plusSeconds(1)))
                                        .setEventId("ce-" + subject + "-grant")
                                        .build()));
            }
            // The withdrawal of s-reuse carries its grant's id; the control's has its own.
            kafka.sendNow(
                    corpus.consent(
                            0,
                            an(ConsentEventType.CONSENT_WITHDRAWN)
                                    .id("ce-s-reuse-grant")
                                    .subject(TENANT, "s-reuse")
                                    .at(T.plusSeconds(2))
                                    .build()));
            kafka.sendNow(
                    corpus.consent(
                            0,
                            an(ConsentEventType.CONSENT_WITHDRAWN)
                                    .id("ce-s-control-withdrawn")
                                    .subject(TENANT, "s-control")
                                    .at(T.plusSeconds(2))
                                    .build()));
            kafka.sendNow(corpus.send(0, sendOf("reuse-1", "s-reuse", T.plusSeconds(60))));
            kafka.sendNow(corpus.send(0, sendOf("control-1", "s-control", T.plusSeconds(60))));
        }
        PipelineRun.run(cluster, config, PipelineRun.noRestarts());
        Map<String, AuditEvent> decided =
                KafkaTestIo.readCommitted(topics.audit(), AuditEvent.class).stream()
                        .map(Out::value)
                        .filter(Decisions::isFirstDecision)
                        .collect(Collectors.toMap(a -> a.getMessageId().toString(), a -> a));
        List<Out<DeadLetter>> dlq = KafkaTestIo.readCommitted(topics.dlq(), DeadLetter.class);
        assertThat(decided.get("control-1").getVerdict())
                .as("control: a withdrawal with its own id blocks")
                .isEqualTo(Verdict.BLOCK);
        System.out.printf(
                "reused consent event id: send %s, %d dead letters%n",
                decided.get("reuse-1").getVerdict(), dlq.size());
        assertThat(dlq.size() == 1 || decided.get("reuse-1").getVerdict() == Verdict.BLOCK)
                .as(
                        "the withdrawal reusing the grant's id is dead-lettered, or the send is"
                                + " blocked (it was %s with %d dead letters)",
                        decided.get("reuse-1").getVerdict(), dlq.size())
                .isTrue();
    }

    private static void assertPlacementBlock(
            Map<String, List<AuditEvent>> decided, String id, Reason reason) {
        AuditEvent a = decided.get(id).get(0);
        assertThat(a.getVerdict()).as(id).isEqualTo(Verdict.BLOCK);
        assertThat(a.getReasons()).as(id + " reasons").isNotEmpty();
        assertThat(a.getReasons().get(0)).as(id + " primary reason").isEqualTo(reason);
    }

    private static String origin(CharSequence topic, int partition, long offset) {
        return topic + "/" + partition + "@" + offset;
    }

    static SendRequest sendOf(String id, String subject, Instant at) {
        return aSend().id(id).subject(TENANT, subject).at(at).build();
    }

    static ConsentEvent grant(String subject, Instant at) {
        return aConsent()
                .id("ce-" + subject + "-" + at.getEpochSecond())
                .subject(TENANT, subject)
                .at(at)
                .build();
    }

    /** Builds the corpus. */
    private static final class Corpus {
        private final KafkaTestIo kafka;
        private final Topics topics;
        private final long now;
        private final ConfluentRegistryClient registry;
        private final Random random = new Random(20260302L);
        private int next;

        Corpus(KafkaTestIo kafka, Topics topics, long now) {
            this.kafka = kafka;
            this.topics = topics;
            this.now = now;
            this.registry =
                    new ConfluentRegistryClient(kafka.registryUrl(), KafkaTestIo.REGISTRY_BUDGET);
        }

        ProducerRecord<byte[], byte[]> send(int partition, SendRequest s) {
            return new ProducerRecord<>(
                    topics.sends(), partition, now, key(s), kafka.encode(topics.sends(), s));
        }

        ProducerRecord<byte[], byte[]> consent(int partition, ConsentEvent e) {
            return new ProducerRecord<>(
                    topics.consent(),
                    partition,
                    now,
                    SubjectKey.bytes(e.getTenantId(), e.getSubjectId()),
                    kafka.encode(topics.consent(), e));
        }

        private Kind kind(String name, String code, String topic, byte[] key, byte[] value) {
            return new Kind(name, code, new ProducerRecord<>(topic, next++ % 2, now, key, value));
        }

        List<Kind> badSends() throws IOException {
            String topic = topics.sends();
            SendRequest ok = sendOf("bad-template", "s-bad", T);
            byte[] key = key(ok);
            byte[] valid = encode(ok);
            byte[] body = body(valid);
            int validId = ByteBuffer.wrap(valid, 1, 4).getInt();
            List<Kind> k = new ArrayList<>();
            k.add(kind("truncated Avro", DeadLetterCodes.TRUNCATED_AVRO, topic, key, half(valid)));
            k.add(
                    kind(
                            "header only, no Avro body",
                            DeadLetterCodes.TRUNCATED_AVRO,
                            topic,
                            key,
                            header(validId)));
            k.add(
                    kind(
                            "wrong magic byte",
                            DeadLetterCodes.BAD_MAGIC_BYTE,
                            topic,
                            key,
                            concat(new byte[] {1}, Arrays.copyOfRange(valid, 1, valid.length))));
            k.add(
                    kind(
                            "unknown schema id",
                            DeadLetterCodes.UNKNOWN_SCHEMA_ID,
                            topic,
                            key,
                            concat(header(0x7ffffff1), body)));
            k.add(
                    kind(
                            "ConsentEvent schema (another subject)",
                            DeadLetterCodes.WRONG_RECORD_TYPE,
                            topic,
                            key,
                            kafka.encode(topics.consent(), grant("s-bad", T))));
            k.add(
                    kind(
                            "Avro long, a non-record schema",
                            DeadLetterCodes.WRONG_RECORD_TYPE,
                            topic,
                            key,
                            nonRecord(
                                    "long",
                                    Schema.create(Schema.Type.LONG),
                                    new byte[] {(byte) 0x80, 1})));
            Schema arrayOfLongs = Schema.createArray(Schema.create(Schema.Type.LONG));
            k.add(
                    kind(
                            "Avro array claiming 2^62 items",
                            DeadLetterCodes.WRONG_RECORD_TYPE,
                            topic,
                            key,
                            nonRecord("array", arrayOfLongs, varLong(1L << 62))));
            k.add(kind("null key", DeadLetterCodes.NULL_KEY, topic, null, valid));
            k.add(kind("null value (tombstone)", DeadLetterCodes.NULL_VALUE, topic, key, null));
            k.add(
                    kind(
                            "zero-length value",
                            DeadLetterCodes.TRUNCATED_HEADER,
                            topic,
                            key,
                            new byte[0]));
            k.add(
                    kind(
                            "key of another subject",
                            DeadLetterCodes.KEY_MISMATCH,
                            topic,
                            SubjectKey.bytes(TENANT, "s-someone-else"),
                            valid));
            k.add(
                    kind(
                            "key of another tenant",
                            DeadLetterCodes.KEY_MISMATCH,
                            topic,
                            SubjectKey.bytes("t-other", "s-bad"),
                            valid));
            Schema pigeon =
                    new Schema.Parser()
                            .parse(
                                    SendRequest.getClassSchema()
                                            .toString()
                                            .replace("\"POST\"]", "\"POST\",\"CARRIER_PIGEON\"]"));
            k.add(
                    kind(
                            "unknown enum symbol (channel)",
                            DeadLetterCodes.UNKNOWN_ENUM_SYMBOL,
                            topic,
                            key,
                            withWriter(
                                    topics.prefix() + "pigeon-value",
                                    pigeon,
                                    sendOf("bad-pigeon", "s-bad", T),
                                    "channel",
                                    "CARRIER_PIGEON")));
            k.add(
                    kind(
                            "empty messageId",
                            DeadLetterCodes.MISSING_ID,
                            topic,
                            key,
                            encode(sendOf("", "s-bad", T))));
            SendRequest noSubject = sendOf("bad-no-subject", "", T);
            k.add(
                    kind(
                            "empty subjectId",
                            DeadLetterCodes.MISSING_ID,
                            topic,
                            key(noSubject),
                            encode(noSubject)));
            SendRequest noTenant =
                    SendRequest.newBuilder(sendOf("bad-no-tenant", "s-bad", T))
                            .setTenantId("")
                            .build();
            k.add(
                    kind(
                            "empty tenantId",
                            DeadLetterCodes.MISSING_ID,
                            topic,
                            key(noTenant),
                            encode(noTenant)));
            k.add(
                    kind(
                            "negative requestedAt",
                            DeadLetterCodes.TIMESTAMP_OUT_OF_RANGE,
                            topic,
                            key,
                            encode(sendOf("bad-negative", "s-bad", Instant.ofEpochMilli(-1)))));
            k.add(
                    kind(
                            "requestedAt in year 9999",
                            DeadLetterCodes.TIMESTAMP_OUT_OF_RANGE,
                            topic,
                            key,
                            encode(
                                    sendOf(
                                            "bad-9999",
                                            "s-bad",
                                            Instant.parse("9999-12-31T23:59:59Z")))));
            SendRequest big =
                    SendRequest.newBuilder(sendOf("bad-oversize", "s-bad", T))
                            .setPayload(ByteBuffer.wrap(new byte[3 * MAX_RECORD_BYTES]))
                            .build();
            k.add(kind("oversize payload", DeadLetterCodes.OVERSIZE, topic, key, encode(big)));
            byte[] bigKey = new byte[3 * MAX_RECORD_BYTES];
            Arrays.fill(bigKey, (byte) 'k');
            k.add(kind("oversize key", DeadLetterCodes.OVERSIZE, topic, bigKey, valid));
            byte[] utf8 = encode(sendOf("AAAA", "s-bad", T));
            // messageId is the first field: its length (zig-zag 4 = 0x08), then its 4 bytes.
            assertThat(utf8[ConfluentSchemaCoder.HEADER_LENGTH]).isEqualTo((byte) 8);
            System.arraycopy(
                    new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80, (byte) 0xff},
                    0,
                    utf8,
                    ConfluentSchemaCoder.HEADER_LENGTH + 1,
                    4);
            k.add(
                    kind(
                            "invalid UTF-8 (surrogate) in messageId",
                            DeadLetterCodes.INVALID_UTF8,
                            topic,
                            key,
                            utf8));
            k.add(
                    kind(
                            "JSON instead of Avro",
                            DeadLetterCodes.BAD_MAGIC_BYTE,
                            topic,
                            key,
                            "{\"messageId\":\"bad-json\",\"tenantId\":\"t-corpus\"}"
                                    .getBytes(StandardCharsets.UTF_8)));
            byte[] garbage = new byte[512];
            random.nextBytes(garbage);
            garbage[0] = (byte) 0xa5;
            k.add(kind("random garbage", DeadLetterCodes.BAD_MAGIC_BYTE, topic, key, garbage));
            k.add(
                    kind(
                            "messageId length 2^40 (huge count)",
                            DeadLetterCodes.TRUNCATED_AVRO,
                            topic,
                            key,
                            concat(header(validId), varLong(1L << 40))));
            k.add(
                    kind(
                            "negative string length",
                            DeadLetterCodes.CORRUPT_AVRO,
                            topic,
                            key,
                            concat(header(validId), new byte[] {1})));
            k.add(
                    kind(
                            "trailing bytes after the record",
                            DeadLetterCodes.CORRUPT_AVRO,
                            topic,
                            key,
                            concat(valid, new byte[] {0, 0, 0})));
            k.add(
                    kind(
                            "writer schema without a required field",
                            DeadLetterCodes.INCOMPATIBLE_SCHEMA,
                            topic,
                            key,
                            withWriter(
                                    topics.prefix() + "no-jurisdiction-value",
                                    withoutField(SendRequest.getClassSchema(), "jurisdiction"),
                                    sendOf("bad-incompatible", "s-bad", T),
                                    null,
                                    null)));
            SendRequest colon =
                    SendRequest.newBuilder(sendOf("bad-colon", "s-bad", T))
                            .setTenantId("t:corpus")
                            .build();
            k.add(
                    kind(
                            "':' in tenantId",
                            DeadLetterCodes.INVALID_ID,
                            topic,
                            key(colon),
                            encode(colon)));
            return k;
        }

        List<Kind> badConsentEvents() throws IOException {
            String topic = topics.consent();
            ConsentEvent ok = grant("s-bad", T);
            byte[] key = SubjectKey.bytes(TENANT, "s-bad");
            byte[] valid = kafka.encode(topic, ok);
            int validId = ByteBuffer.wrap(valid, 1, 4).getInt();
            List<Kind> k = new ArrayList<>();
            k.add(
                    kind(
                            "consent: truncated Avro",
                            DeadLetterCodes.TRUNCATED_AVRO,
                            topic,
                            key,
                            half(valid)));
            k.add(
                    kind(
                            "consent: 4-byte value",
                            DeadLetterCodes.TRUNCATED_HEADER,
                            topic,
                            key,
                            Arrays.copyOf(valid, 4)));
            k.add(
                    kind(
                            "consent: zero-length value",
                            DeadLetterCodes.TRUNCATED_HEADER,
                            topic,
                            key,
                            new byte[0]));
            k.add(
                    kind(
                            "consent: wrong magic byte",
                            DeadLetterCodes.BAD_MAGIC_BYTE,
                            topic,
                            key,
                            concat(new byte[] {2}, Arrays.copyOfRange(valid, 1, valid.length))));
            k.add(
                    kind(
                            "consent: unknown schema id",
                            DeadLetterCodes.UNKNOWN_SCHEMA_ID,
                            topic,
                            key,
                            concat(header(0x7ffffff2), body(valid))));
            k.add(
                    kind(
                            "consent: SendRequest schema (another subject)",
                            DeadLetterCodes.WRONG_RECORD_TYPE,
                            topic,
                            key,
                            encode(sendOf("bad-on-consent", "s-bad", T))));
            k.add(
                    kind(
                            "consent: Avro string, a non-record schema",
                            DeadLetterCodes.WRONG_RECORD_TYPE,
                            topic,
                            key,
                            nonRecord(
                                    "string",
                                    Schema.create(Schema.Type.STRING),
                                    new byte[] {4, 'h', 'i'})));
            k.add(kind("consent: null key", DeadLetterCodes.NULL_KEY, topic, null, valid));
            k.add(kind("consent: null value", DeadLetterCodes.NULL_VALUE, topic, key, null));
            k.add(
                    kind(
                            "consent: key of another subject",
                            DeadLetterCodes.KEY_MISMATCH,
                            topic,
                            SubjectKey.bytes(TENANT, "s-someone-else"),
                            valid));
            Schema moreTypes =
                    new Schema.Parser()
                            .parse(
                                    ConsentEvent.getClassSchema()
                                            .toString()
                                            .replace("\"ERASURE\"]", "\"ERASURE\",\"TELEPATHY\"]"));
            assertThat(moreTypes.getField("type").schema().getEnumSymbols()).contains("TELEPATHY");
            k.add(
                    kind(
                            "consent: unknown enum symbol (type)",
                            DeadLetterCodes.UNKNOWN_ENUM_SYMBOL,
                            topic,
                            key,
                            withWriter(
                                    topics.prefix() + "telepathy-value",
                                    moreTypes,
                                    ok,
                                    "type",
                                    "TELEPATHY")));
            k.add(
                    kind(
                            "consent: empty eventId",
                            DeadLetterCodes.MISSING_ID,
                            topic,
                            key,
                            kafka.encode(
                                    topic, ConsentEvent.newBuilder(ok).setEventId("").build())));
            ConsentEvent noSubject = ConsentEvent.newBuilder(ok).setSubjectId("").build();
            k.add(
                    kind(
                            "consent: empty subjectId",
                            DeadLetterCodes.MISSING_ID,
                            topic,
                            SubjectKey.bytes(TENANT, ""),
                            kafka.encode(topic, noSubject)));
            k.add(
                    kind(
                            "consent: negative occurredAt",
                            DeadLetterCodes.TIMESTAMP_OUT_OF_RANGE,
                            topic,
                            key,
                            kafka.encode(
                                    topic,
                                    ConsentEvent.newBuilder(ok)
                                            .setOccurredAt(Instant.ofEpochMilli(-86_400_000L))
                                            .build())));
            k.add(
                    kind(
                            "consent: occurredAt in year 9999",
                            DeadLetterCodes.TIMESTAMP_OUT_OF_RANGE,
                            topic,
                            key,
                            kafka.encode(
                                    topic,
                                    ConsentEvent.newBuilder(ok)
                                            .setOccurredAt(Instant.parse("9999-01-01T00:00:00Z"))
                                            .build())));
            k.add(
                    kind(
                            "consent: oversize (long purpose)",
                            DeadLetterCodes.OVERSIZE,
                            topic,
                            key,
                            kafka.encode(
                                    topic,
                                    ConsentEvent.newBuilder(ok)
                                            .setPurpose("p".repeat(3 * MAX_RECORD_BYTES))
                                            .build())));
            byte[] utf8 =
                    kafka.encode(topic, ConsentEvent.newBuilder(ok).setEventId("EEEE").build());
            assertThat(utf8[ConfluentSchemaCoder.HEADER_LENGTH]).isEqualTo((byte) 8);
            System.arraycopy(
                    new byte[] {(byte) 0xc0, (byte) 0xaf, 'x', 'y'},
                    0,
                    utf8,
                    ConfluentSchemaCoder.HEADER_LENGTH + 1,
                    4);
            k.add(
                    kind(
                            "consent: overlong UTF-8 in eventId",
                            DeadLetterCodes.INVALID_UTF8,
                            topic,
                            key,
                            utf8));
            k.add(
                    kind(
                            "consent: JSON instead of Avro",
                            DeadLetterCodes.BAD_MAGIC_BYTE,
                            topic,
                            key,
                            "{\"eventId\":\"x\",\"type\":\"CONSENT_GRANTED\"}"
                                    .getBytes(StandardCharsets.UTF_8)));
            byte[] garbage = new byte[64];
            random.nextBytes(garbage);
            garbage[0] = (byte) 0xff;
            k.add(
                    kind(
                            "consent: random garbage",
                            DeadLetterCodes.BAD_MAGIC_BYTE,
                            topic,
                            key,
                            garbage));
            k.add(
                    kind(
                            "consent: trailing bytes",
                            DeadLetterCodes.CORRUPT_AVRO,
                            topic,
                            key,
                            concat(valid, new byte[] {42})));
            k.add(
                    kind(
                            "consent: eventId length 2^40 (huge count)",
                            DeadLetterCodes.TRUNCATED_AVRO,
                            topic,
                            key,
                            concat(header(validId), varLong(1L << 40))));
            ConsentEvent colon = ConsentEvent.newBuilder(ok).setTenantId("t:corpus").build();
            k.add(
                    kind(
                            "consent: ':' in tenantId",
                            DeadLetterCodes.INVALID_ID,
                            topic,
                            SubjectKey.bytes("t:corpus", "s-bad"),
                            kafka.encode(topic, colon)));
            return k;
        }

        private byte[] encode(SendRequest s) {
            return kafka.encode(topics.sends(), s);
        }

        private static byte[] key(SendRequest s) {
            return SubjectKey.bytes(s.getTenantId(), s.getSubjectId());
        }

        /** A value of a non-record schema, registered under a subject of its own. */
        private byte[] nonRecord(String name, Schema schema, byte[] avro) throws IOException {
            int id = registry.register(topics.prefix() + "non-record-" + name + "-value", schema);
            return concat(header(id), avro);
        }

        /**
         * {@code record} written with another writer schema of the same name, registered under
         * {@code subject}; {@code field} set to the enum symbol {@code symbol} if not null.
         */
        private byte[] withWriter(
                String subject, Schema writer, SpecificRecord record, String field, String symbol)
                throws IOException {
            ByteArrayOutputStream specific = new ByteArrayOutputStream();
            BinaryEncoder enc = EncoderFactory.get().binaryEncoder(specific, null);
            new SpecificDatumWriter<SpecificRecord>(record.getSchema()).write(record, enc);
            enc.flush();
            GenericRecord same =
                    new GenericDatumReader<GenericRecord>(record.getSchema())
                            .read(
                                    null,
                                    DecoderFactory.get()
                                            .binaryDecoder(specific.toByteArray(), null));
            GenericData.Record out = new GenericData.Record(writer);
            for (Schema.Field f : writer.getFields()) {
                Object v = same.get(f.name());
                out.put(f.name(), v);
            }
            if (field != null) {
                out.put(field, new GenericData.EnumSymbol(writer.getField(field).schema(), symbol));
            }
            ByteArrayOutputStream bytes = new ByteArrayOutputStream();
            ConfluentSchemaCoder.writeHeader(registry.register(subject, writer), bytes);
            BinaryEncoder e = EncoderFactory.get().binaryEncoder(bytes, null);
            new GenericDatumWriter<GenericRecord>(writer).write(out, e);
            e.flush();
            return bytes.toByteArray();
        }

        private static Schema withoutField(Schema full, String name) {
            List<Schema.Field> fields = new ArrayList<>();
            for (Schema.Field f : full.getFields()) {
                if (!f.name().equals(name)) {
                    fields.add(new Schema.Field(f, f.schema()));
                }
            }
            return Schema.createRecord(
                    full.getName(), full.getDoc(), full.getNamespace(), false, fields);
        }

        private static byte[] body(byte[] valid) {
            return Arrays.copyOfRange(valid, ConfluentSchemaCoder.HEADER_LENGTH, valid.length);
        }

        private static byte[] half(byte[] valid) {
            return Arrays.copyOf(
                    valid,
                    ConfluentSchemaCoder.HEADER_LENGTH
                            + (valid.length - ConfluentSchemaCoder.HEADER_LENGTH) / 2);
        }

        /** Avro's zig-zag variable-length encoding of a long. */
        private static byte[] varLong(long v) {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            long n = (v << 1) ^ (v >> 63);
            while ((n & ~0x7FL) != 0) {
                out.write((int) ((n & 0x7f) | 0x80));
                n >>>= 7;
            }
            out.write((int) n);
            return out.toByteArray();
        }

        private static byte[] header(int id) throws IOException {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ConfluentSchemaCoder.writeHeader(id, out);
            return out.toByteArray();
        }

        private static byte[] concat(byte[] a, byte[] b) {
            byte[] out = Arrays.copyOf(a, a.length + b.length);
            System.arraycopy(b, 0, out, a.length, b.length);
            return out;
        }
    }
}
