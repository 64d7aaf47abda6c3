package io.consentgate.filter.it;

import static io.consentgate.engine.testing.ConsentBuilder.aConsent;
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
import io.consentgate.schema.Basis;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.DeadLetter;
import io.consentgate.schema.SendRequest;
import io.consentgate.schema.Verdict;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
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
import org.apache.flink.api.common.JobID;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.clients.producer.RecordMetadata;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every kind of bad input record lands in the dead-letter topic with its code, source topic,
 * partition, offset, raw key and raw value; none is decided or approved; and valid records written
 * after the bad ones are still decided by the same job attempt (no restart).
 *
 * <p>Records are written to explicit partitions, so the order per partition is known. The late send
 * (LATE_SEND, with {@code late.sends=DEAD_LETTER}) needs the watermark to pass it before it
 * arrives: it follows, in partition 0, twenty sends at T that the source reads 100 ms apart (the
 * {@link InstrumentedDeserializer} pause header), long enough for periodic watermarks to carry T to
 * the decision operator; every other input partition starts with a valid record at or after T, so
 * none holds the watermark back.
 *
 * <p>Not covered: DECISION_FAILED, which the decision operator writes when the engine throws. No
 * input is known to make the engine throw, and forcing it would need a seam in production code.
 */
class DeadLetterITCase {

    static final String TENANT = "t-dlq";
    static final Instant T = Instant.parse("2026-03-02T12:00:00Z");
    static final int FILLERS = 20;

    @RegisterExtension static final FlinkMiniCluster CLUSTER = PipelineRun.miniCluster();

    /** A record written on purpose, and the dead letter it must produce. */
    record Bad(String code, String what, ProducerRecord<byte[], byte[]> record) {}

    /** A bad record as written: where it landed. */
    record Written(Bad bad, RecordMetadata at) {}

    @Test
    void everyBadRecordIsDeadLetteredAndLaterRecordsAreStillDecided(MiniCluster cluster)
            throws Exception {
        Topics topics = Topics.fresh("dead-letters");
        KafkaTestIo.createTopics(topics);
        FilterConfig config =
                PipelineRun.config(
                        topics,
                        Map.of(
                                FilterConfig.MAX_RECORD_BYTES.name(), "2048",
                                FilterConfig.LATE_SENDS.name(), "DEAD_LETTER"));
        Instant now = Instant.now();
        List<Written> written = new ArrayList<>();
        List<String> validSends = new ArrayList<>();
        try (KafkaTestIo kafka = new KafkaTestIo()) {
            Inputs inputs = new Inputs(kafka, topics, now);
            // Every input partition starts with a valid record at or after T.
            for (int i = 0; i < 6; i++) {
                kafka.sendNow(inputs.consent(i % 2, grant("s-ok-" + i, T.plusSeconds(1))));
            }
            kafka.sendNow(inputs.send(1, sendOf("ok-before", "s-ok-0", T.plusSeconds(120))));
            validSends.add("ok-before");

            List<Bad> bad = new ArrayList<>();
            bad.addAll(inputs.badSends());
            bad.addAll(inputs.badConsentEvents());
            for (int i = 0; i < bad.size(); i++) {
                written.add(new Written(bad.get(i), kafka.sendNow(bad.get(i).record())));
            }

            RecordHeaders paced = new RecordHeaders();
            paced.add(InstrumentedDeserializer.PAUSE_HEADER, InstrumentedDeserializer.pause(100));
            for (int i = 0; i < FILLERS; i++) {
                SendRequest filler =
                        aSend().id("fill-" + i)
                                .subject(TENANT, "s-fill-" + i)
                                .at(T)
                                .service()
                                .build();
                kafka.sendNow(inputs.send(0, filler, paced));
                validSends.add("fill-" + i);
            }
            kafka.sendNow(
                    inputs.send(0, sendOf("late-1", "s-late", T.minus(Duration.ofMinutes(10)))));

            // Valid records after the bad ones, on both inputs and both partitions.
            for (int i = 6; i < 8; i++) {
                kafka.sendNow(inputs.consent(i % 2, grant("s-ok-" + i, T.plusSeconds(2))));
            }
            for (int i = 0; i < 8; i++) {
                kafka.sendNow(
                        inputs.send(
                                i % 2, sendOf("ok-after-" + i, "s-ok-" + i, T.plusSeconds(120))));
                validSends.add("ok-after-" + i);
            }
        }

        JobID job =
                PipelineRun.run(
                        cluster, config, PipelineRun.fixedDelayRestarts(2, Duration.ofMillis(200)));
        assertThat(PipelineRun.maxAttemptNumber(cluster, job))
                .as("the job ran in a single attempt, without restarts")
                .isZero();

        List<Out<DeadLetter>> dlq = KafkaTestIo.readCommitted(topics.dlq(), DeadLetter.class);
        Map<String, Out<DeadLetter>> byOrigin = new HashMap<>();
        List<Out<DeadLetter>> late = new ArrayList<>();
        for (Out<DeadLetter> o : dlq) {
            DeadLetter d = o.value();
            if (DeadLetterCodes.LATE_SEND.equals(d.getErrorCode())) {
                late.add(o);
            } else {
                assertThat(
                                byOrigin.put(
                                        origin(d.getSourceTopic(), d.getPartition(), d.getOffset()),
                                        o))
                        .as("one dead letter per bad record")
                        .isNull();
            }
        }
        List<String> problems = new ArrayList<>();
        for (Written w : written) {
            problems.addAll(
                    check(
                            w,
                            byOrigin.get(
                                    origin(w.at().topic(), w.at().partition(), w.at().offset()))));
        }
        assertThat(problems)
                .as(
                        "dead letters that are missing or wrong:%n%s",
                        String.join(System.lineSeparator(), problems))
                .isEmpty();
        assertThat(byOrigin).as("dead letters of records that were valid").hasSize(written.size());

        assertThat(late).as("the late send's dead letter").hasSize(1);
        DeadLetter lateLetter = late.get(0).value();
        assertThat(lateLetter.getSourceTopic()).isEqualTo(topics.sends());
        assertThat(bytes(lateLetter.getRawKey())).isEqualTo(SubjectKey.bytes(TENANT, "s-late"));
        assertThat(SendRequest.fromByteBuffer(lateLetter.getRawValue()).getMessageId())
                .isEqualTo("late-1");

        Set<String> codes = new TreeSet<>();
        dlq.forEach(o -> codes.add(o.value().getErrorCode()));
        // DECISION_FAILED (the engine threw) has no input that provokes it; see the class comment.
        assertThat(codes)
                .as("every code DeadLetterCodes defines")
                .containsAll(
                        DeadLetterCodes.ALL.stream()
                                .filter(c -> !c.equals(DeadLetterCodes.DECISION_FAILED))
                                .collect(Collectors.toList()));
        assertThat(DeadLetterCodes.ALL).containsAll(codes);

        // Nothing bad was decided; everything valid was, once.
        List<Out<AuditEvent>> audit = KafkaTestIo.readCommitted(topics.audit(), AuditEvent.class);
        List<Out<ApprovedSend>> approved =
                KafkaTestIo.readCommitted(topics.approved(), ApprovedSend.class);
        assertThat(approved)
                .extracting(o -> o.value().getRequest().getMessageId())
                .noneMatch(id -> id.startsWith("bad-") || id.startsWith("late-"))
                .containsExactlyInAnyOrderElementsOf(validSends);
        Map<String, List<AuditEvent>> decided =
                audit.stream()
                        .map(Out::value)
                        .filter(Decisions::isFirstDecision)
                        .collect(Collectors.groupingBy(AuditEvent::getMessageId));
        assertThat(decided.keySet()).containsExactlyInAnyOrderElementsOf(validSends);
        assertThat(decided.values()).allSatisfy(l -> assertThat(l).hasSize(1));
        for (int i = 0; i < 8; i++) {
            AuditEvent a = decided.get("ok-after-" + i).get(0);
            assertThat(a.getVerdict()).as("ok-after-%d", i).isEqualTo(Verdict.ALLOW);
            assertThat(a.getBasis()).as("ok-after-%d", i).isEqualTo(Basis.CONSENT);
        }
    }

    /** What is wrong with the dead letter of one bad record; empty when all is right. */
    private static List<String> check(Written w, Out<DeadLetter> out) {
        ProducerRecord<byte[], byte[]> r = w.bad().record();
        String label =
                w.bad().code()
                        + " ("
                        + w.bad().what()
                        + ", "
                        + origin(r.topic(), w.at().partition(), w.at().offset())
                        + ")";
        if (out == null) {
            return List.of(label + ": no dead letter");
        }
        DeadLetter d = out.value();
        List<String> problems = new ArrayList<>();
        if (!w.bad().code().equals(d.getErrorCode())) {
            problems.add(label + ": code " + d.getErrorCode() + " (" + d.getErrorMessage() + ")");
        }
        if (d.getErrorMessage() == null || d.getErrorMessage().isBlank()) {
            problems.add(label + ": no error message");
        }
        boolean oversize = DeadLetterCodes.OVERSIZE.equals(w.bad().code());
        if (!Arrays.equals(bytes(d.getRawKey()), prefix(r.key(), oversize))) {
            problems.add(label + ": raw key differs");
        }
        if (!Arrays.equals(bytes(d.getRawValue()), prefix(r.value(), oversize))) {
            problems.add(label + ": raw value differs");
        }
        if (!Arrays.equals(out.key(), r.key())) {
            problems.add(label + ": the dead letter's Kafka key is not the raw key");
        }
        if (d.getTimestamp() == null || d.getTimestamp().toEpochMilli() != r.timestamp()) {
            problems.add(
                    label
                            + ": timestamp "
                            + d.getTimestamp()
                            + ", record had "
                            + Instant.ofEpochMilli(r.timestamp()));
        }
        return problems;
    }

    private static String origin(String topic, int partition, long offset) {
        return topic + "/" + partition + "@" + offset;
    }

    private static byte[] prefix(byte[] b, boolean oversize) {
        return b == null || !oversize || b.length <= 1024 ? b : Arrays.copyOf(b, 1024);
    }

    private static byte[] bytes(ByteBuffer b) {
        if (b == null) {
            return null;
        }
        ByteBuffer copy = b.duplicate();
        byte[] out = new byte[copy.remaining()];
        copy.get(out);
        return out;
    }

    private static SendRequest sendOf(String id, String subject, Instant at) {
        return aSend().id(id).subject(TENANT, subject).at(at).build();
    }

    private static ConsentEvent grant(String subject, Instant at) {
        return aConsent()
                .id("ce-" + subject + "-" + at.getEpochSecond())
                .subject(TENANT, subject)
                .at(at)
                .build();
    }

    /** Builds the good and the bad records of this test. */
    private static final class Inputs {
        private final KafkaTestIo kafka;
        private final Topics topics;
        private final long now;
        private final ConfluentRegistryClient registry;
        private int next;

        Inputs(KafkaTestIo kafka, Topics topics, Instant now) {
            this.kafka = kafka;
            this.topics = topics;
            this.now = now.toEpochMilli();
            this.registry =
                    new ConfluentRegistryClient(kafka.registryUrl(), KafkaTestIo.REGISTRY_BUDGET);
        }

        ProducerRecord<byte[], byte[]> send(int partition, SendRequest s) {
            return send(partition, s, null);
        }

        ProducerRecord<byte[], byte[]> send(int partition, SendRequest s, RecordHeaders headers) {
            return new ProducerRecord<>(
                    topics.sends(),
                    partition,
                    now,
                    key(s),
                    kafka.encode(topics.sends(), s),
                    headers);
        }

        ProducerRecord<byte[], byte[]> consent(int partition, ConsentEvent e) {
            return new ProducerRecord<>(
                    topics.consent(),
                    partition,
                    now,
                    SubjectKey.bytes(e.getTenantId(), e.getSubjectId()),
                    kafka.encode(topics.consent(), e));
        }

        /** Alternates partitions, so both source readers see bad records. */
        private Bad bad(String code, String what, String topic, byte[] key, byte[] value) {
            return bad(code, what, topic, key, value, now);
        }

        private Bad bad(
                String code, String what, String topic, byte[] key, byte[] value, long timestamp) {
            return new Bad(
                    code, what, new ProducerRecord<>(topic, next++ % 2, timestamp, key, value));
        }

        List<Bad> badSends() throws IOException {
            String topic = topics.sends();
            SendRequest ok = sendOf("bad-template", "s-bad", T);
            byte[] key = key(ok);
            byte[] valid = kafka.encode(topic, ok);
            byte[] body =
                    Arrays.copyOfRange(valid, ConfluentSchemaCoder.HEADER_LENGTH, valid.length);
            int validId = ByteBuffer.wrap(valid, 1, 4).getInt();
            List<Bad> bad = new ArrayList<>();

            bad.add(bad(DeadLetterCodes.NULL_VALUE, "tombstone", topic, key, null));
            bad.add(
                    bad(
                            DeadLetterCodes.NULL_KEY,
                            "no key",
                            topic,
                            null,
                            encode(sendOf("bad-no-key", "s-bad", T))));
            SendRequest big =
                    SendRequest.newBuilder(sendOf("bad-oversize", "s-bad", T))
                            .setPayload(ByteBuffer.wrap(new byte[3000]))
                            .build();
            bad.add(
                    bad(
                            DeadLetterCodes.OVERSIZE,
                            "3 kB payload, limit 2 kB",
                            topic,
                            key,
                            encode(big)));
            bad.add(
                    bad(
                            DeadLetterCodes.TRUNCATED_HEADER,
                            "3 bytes",
                            topic,
                            key,
                            new byte[] {0, 0, 0}));
            bad.add(bad(DeadLetterCodes.TRUNCATED_HEADER, "empty value", topic, key, new byte[0]));
            bad.add(
                    bad(
                            DeadLetterCodes.BAD_MAGIC_BYTE,
                            "magic byte 1",
                            topic,
                            key,
                            concat(new byte[] {1, 0, 0, 0, (byte) validId}, body)));
            bad.add(
                    bad(
                            DeadLetterCodes.BAD_MAGIC_BYTE,
                            "JSON instead of Avro",
                            topic,
                            key,
                            "{\"messageId\":\"bad-json\"}".getBytes(StandardCharsets.UTF_8)));
            bad.add(
                    bad(
                            DeadLetterCodes.UNKNOWN_SCHEMA_ID,
                            "id 0x7ffffff0",
                            topic,
                            key,
                            concat(header(0x7ffffff0), body)));
            ConsentEvent consent = grant("s-bad", T);
            bad.add(
                    bad(
                            DeadLetterCodes.WRONG_RECORD_TYPE,
                            "a ConsentEvent",
                            topic,
                            key,
                            kafka.encode(topics.consent(), consent)));
            Schema string = Schema.create(Schema.Type.STRING);
            int stringId = registry.register(topics.prefix() + "string-value", string);
            bad.add(
                    bad(
                            DeadLetterCodes.WRONG_RECORD_TYPE,
                            "an Avro string",
                            topic,
                            key,
                            concat(header(stringId), new byte[] {8, 'b', 'a', 'd', '!'})));
            Schema noJurisdiction = withoutField(SendRequest.getClassSchema(), "jurisdiction");
            bad.add(
                    bad(
                            DeadLetterCodes.INCOMPATIBLE_SCHEMA,
                            "writer without jurisdiction",
                            topic,
                            key,
                            generic(
                                    topics.prefix() + "no-jurisdiction-value",
                                    noJurisdiction,
                                    sendOf("bad-incompatible", "s-bad", T),
                                    null)));
            bad.add(
                    bad(
                            DeadLetterCodes.TRUNCATED_AVRO,
                            "Avro cut in half",
                            topic,
                            key,
                            Arrays.copyOf(
                                    valid, ConfluentSchemaCoder.HEADER_LENGTH + body.length / 2)));
            bad.add(
                    bad(
                            DeadLetterCodes.CORRUPT_AVRO,
                            "trailing bytes",
                            topic,
                            key,
                            concat(valid, new byte[] {1, 2, 3})));
            bad.add(
                    bad(
                            DeadLetterCodes.CORRUPT_AVRO,
                            "negative string length",
                            topic,
                            key,
                            concat(header(validId), new byte[] {1})));
            Schema pigeon =
                    new Schema.Parser()
                            .parse(
                                    SendRequest.getClassSchema()
                                            .toString()
                                            .replace("\"POST\"]", "\"POST\",\"CARRIER_PIGEON\"]"));
            assertThat(pigeon.getField("channel").schema().getEnumSymbols())
                    .contains("CARRIER_PIGEON");
            bad.add(
                    bad(
                            DeadLetterCodes.UNKNOWN_ENUM_SYMBOL,
                            "channel CARRIER_PIGEON",
                            topic,
                            key,
                            generic(
                                    topics.prefix() + "pigeon-value",
                                    pigeon,
                                    sendOf("bad-pigeon", "s-bad", T),
                                    "CARRIER_PIGEON")));
            byte[] utf8 = encode(sendOf("AAAA", "s-bad", T));
            // messageId is the first field: its length (zig-zag 4 = 0x08), then its 4 bytes.
            assertThat(utf8[ConfluentSchemaCoder.HEADER_LENGTH]).isEqualTo((byte) 8);
            System.arraycopy(
                    new byte[] {(byte) 0xc3, 0x28, (byte) 0xff, (byte) 0xfe},
                    0,
                    utf8,
                    ConfluentSchemaCoder.HEADER_LENGTH + 1,
                    4);
            bad.add(bad(DeadLetterCodes.INVALID_UTF8, "messageId not UTF-8", topic, key, utf8));
            bad.add(
                    bad(
                            DeadLetterCodes.MISSING_ID,
                            "empty messageId",
                            topic,
                            key,
                            encode(sendOf("", "s-bad", T))));
            SendRequest colon =
                    SendRequest.newBuilder(sendOf("bad-colon", "s-bad", T))
                            .setTenantId("t:dlq")
                            .build();
            bad.add(
                    bad(
                            DeadLetterCodes.INVALID_ID,
                            "':' in tenantId",
                            topic,
                            key(colon),
                            encode(colon)));
            bad.add(
                    bad(
                            DeadLetterCodes.KEY_MISMATCH,
                            "key of another subject",
                            topic,
                            SubjectKey.bytes(TENANT, "s-other"),
                            encode(sendOf("bad-key", "s-bad", T))));
            bad.add(
                    bad(
                            DeadLetterCodes.TIMESTAMP_OUT_OF_RANGE,
                            "requestedAt in 1999",
                            topic,
                            key,
                            encode(
                                    sendOf(
                                            "bad-1999",
                                            "s-bad",
                                            Instant.parse("1999-12-31T23:59:59Z")))));
            bad.add(
                    bad(
                            DeadLetterCodes.TIMESTAMP_OUT_OF_RANGE,
                            "requestedAt 30 days after the record",
                            topic,
                            key,
                            encode(
                                    sendOf(
                                            "bad-future",
                                            "s-bad",
                                            Instant.ofEpochMilli(now).plus(Duration.ofDays(30))))));
            return bad;
        }

        List<Bad> badConsentEvents() {
            String topic = topics.consent();
            ConsentEvent ok = grant("s-bad", T);
            byte[] key = SubjectKey.bytes(TENANT, "s-bad");
            byte[] valid = kafka.encode(topic, ok);
            List<Bad> bad = new ArrayList<>();
            bad.add(
                    bad(
                            DeadLetterCodes.BAD_MAGIC_BYTE,
                            "consent, magic byte 2",
                            topic,
                            key,
                            concat(new byte[] {2}, Arrays.copyOfRange(valid, 1, valid.length))));
            bad.add(
                    bad(
                            DeadLetterCodes.MISSING_ID,
                            "consent, blank eventId",
                            topic,
                            key,
                            kafka.encode(
                                    topic, ConsentEvent.newBuilder(ok).setEventId(" ").build())));
            bad.add(
                    bad(
                            DeadLetterCodes.KEY_MISMATCH,
                            "consent, key of another subject",
                            topic,
                            SubjectKey.bytes(TENANT, "s-other"),
                            valid));
            bad.add(
                    bad(
                            DeadLetterCodes.WRONG_RECORD_TYPE,
                            "a SendRequest on the consent topic",
                            topic,
                            key,
                            encode(sendOf("bad-on-consent", "s-bad", T))));
            bad.add(
                    bad(
                            DeadLetterCodes.TIMESTAMP_OUT_OF_RANGE,
                            "consent, occurredAt in 1990",
                            topic,
                            key,
                            kafka.encode(
                                    topic,
                                    ConsentEvent.newBuilder(ok)
                                            .setOccurredAt(Instant.parse("1990-01-01T00:00:00Z"))
                                            .build())));
            return bad;
        }

        private byte[] encode(SendRequest s) {
            return kafka.encode(topics.sends(), s);
        }

        private static byte[] key(SendRequest s) {
            return SubjectKey.bytes(s.getTenantId(), s.getSubjectId());
        }

        /** {@code s} written with another writer schema, optionally with a channel it names. */
        private byte[] generic(String subject, Schema writer, SendRequest s, String channel)
                throws IOException {
            ByteArrayOutputStream specific = new ByteArrayOutputStream();
            BinaryEncoder enc = EncoderFactory.get().binaryEncoder(specific, null);
            new SpecificDatumWriter<SendRequest>(SendRequest.class).write(s, enc);
            enc.flush();
            GenericRecord same =
                    new GenericDatumReader<GenericRecord>(SendRequest.getClassSchema())
                            .read(
                                    null,
                                    DecoderFactory.get()
                                            .binaryDecoder(specific.toByteArray(), null));
            GenericData.Record record = new GenericData.Record(writer);
            for (Schema.Field f : writer.getFields()) {
                record.put(f.name(), same.get(f.name()));
            }
            if (channel != null) {
                record.put(
                        "channel",
                        new GenericData.EnumSymbol(writer.getField("channel").schema(), channel));
            }
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ConfluentSchemaCoder.writeHeader(registry.register(subject, writer), out);
            BinaryEncoder e = EncoderFactory.get().binaryEncoder(out, null);
            new GenericDatumWriter<GenericRecord>(writer).write(record, e);
            e.flush();
            return out.toByteArray();
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
