package io.consentgate.filter.io;

import static io.consentgate.engine.testing.ConsentBuilder.aConsent;
import static io.consentgate.engine.testing.SendBuilder.aSend;
import static io.consentgate.filter.io.WireFormat.avro;
import static io.consentgate.filter.io.WireFormat.concat;
import static io.consentgate.filter.io.WireFormat.confluent;
import static io.consentgate.filter.io.WireFormat.header;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consentgate.filter.SubjectKey;
import io.consentgate.filter.internal.DecodedConsent;
import io.consentgate.filter.internal.DecodedSend;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.DeadLetter;
import io.consentgate.schema.SendRequest;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import org.apache.avro.Schema;
import org.apache.avro.SchemaBuilder;
import org.apache.avro.generic.GenericData;
import org.apache.avro.generic.GenericRecord;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/** Every way an input record can be wrong ends as one dead letter with its code, never a throw. */
class InputDeserializerTest {
    private static final int SENDS = 1;
    private static final int CONSENTS = 2;
    private static final int SENDS_WITH_NEW_CHANNEL = 3;
    private static final int SENDS_WITH_INT_MESSAGE_ID = 4;

    private static final Schema NEW_CHANNEL_SCHEMA =
            new Schema.Parser()
                    .parse(
                            SendRequest.getClassSchema()
                                    .toString()
                                    .replace("\"POST\"]", "\"POST\",\"FAX\"]"));

    /** A "SendRequest" an old or foreign producer registered: an int id and nothing else. */
    private static final Schema INT_MESSAGE_ID_SCHEMA =
            SchemaBuilder.record("SendRequest")
                    .namespace("io.consentgate.schema")
                    .fields()
                    .requiredInt("messageId")
                    .endRecord();

    private static final InputLimits LIMITS =
            new InputLimits(
                    4096,
                    Instant.parse("2000-01-01T00:00:00Z").toEpochMilli(),
                    Duration.ofDays(1).toMillis());
    private static final long RECORD_TIME = Instant.parse("2026-03-02T12:00:01Z").toEpochMilli();

    private final WireFormat.InMemoryRegistry registry =
            new WireFormat.InMemoryRegistry()
                    .with(SENDS, SendRequest.getClassSchema())
                    .with(CONSENTS, ConsentEvent.getClassSchema())
                    .with(SENDS_WITH_NEW_CHANNEL, NEW_CHANNEL_SCHEMA)
                    .with(SENDS_WITH_INT_MESSAGE_ID, INT_MESSAGE_ID_SCHEMA);

    private static SendRequest aValidSend() {
        return aSend().id("m1").at("2026-03-02T12:00:00Z").build();
    }

    private static byte[] keyOf(SendRequest s) {
        return SubjectKey.bytes(s.getTenantId(), s.getSubjectId());
    }

    private DecodedSend readSend(byte[] key, byte[] value) throws IOException {
        return readSend(key, value, RECORD_TIME);
    }

    private DecodedSend readSend(byte[] key, byte[] value, long recordTime) throws IOException {
        SendRequestDeserializer d = new SendRequestDeserializer(LIMITS, () -> registry);
        d.open(null);
        List<DecodedSend> out = new ArrayList<>();
        d.deserialize(record("sends.requested", key, value, recordTime), collector(out));
        assertThat(out).hasSize(1);
        return out.get(0);
    }

    private String codeOf(byte[] key, byte[] value) throws IOException {
        DecodedSend decoded = readSend(key, value);
        assertThat(decoded.getSend()).isNull();
        assertThat(decoded.getDeadLetter()).isNotNull();
        return decoded.getDeadLetter().getErrorCode();
    }

    private static ConsumerRecord<byte[], byte[]> record(
            String topic, byte[] key, byte[] value, long timestamp) {
        return new ConsumerRecord<>(
                topic,
                3,
                42L,
                timestamp,
                TimestampType.CREATE_TIME,
                key == null ? -1 : key.length,
                value == null ? -1 : value.length,
                key,
                value,
                new RecordHeaders(),
                Optional.empty());
    }

    private static <T> Collector<T> collector(List<T> out) {
        return new Collector<>() {
            @Override
            public void collect(T record) {
                out.add(record);
            }

            @Override
            public void close() {}
        };
    }

    @Test
    void decodesAValidSend() throws IOException {
        SendRequest send = aValidSend();
        DecodedSend decoded = readSend(keyOf(send), confluent(SENDS, send));
        assertThat(decoded.getDeadLetter()).isNull();
        assertThat(decoded.getSend()).isEqualTo(send);
    }

    @Test
    void decodesAValidConsentEvent() throws IOException {
        ConsentEvent event = aConsent().id("ce-1").at("2026-03-02T11:00:00Z").build();
        ConsentEventDeserializer d = new ConsentEventDeserializer(LIMITS, () -> registry);
        d.open(null);
        List<DecodedConsent> out = new ArrayList<>();
        d.deserialize(
                record(
                        "consent.events",
                        SubjectKey.bytes(event.getTenantId(), event.getSubjectId()),
                        confluent(CONSENTS, event),
                        RECORD_TIME),
                collector(out));
        assertThat(out).singleElement().satisfies(c -> assertThat(c.getEvent()).isEqualTo(event));
    }

    @Test
    void deadLetterCarriesTheSourceCoordinatesAndRawBytes() throws IOException {
        byte[] key = keyOf(aValidSend());
        byte[] value = {1, 2, 3};
        DeadLetter dl = readSend(key, value).getDeadLetter();
        assertThat(dl.getSourceTopic()).isEqualTo("sends.requested");
        assertThat(dl.getPartition()).isEqualTo(3);
        assertThat(dl.getOffset()).isEqualTo(42L);
        assertThat(dl.getTimestamp()).isEqualTo(Instant.ofEpochMilli(RECORD_TIME));
        assertThat(dl.getRawKey()).isEqualTo(ByteBuffer.wrap(key));
        assertThat(dl.getRawValue()).isEqualTo(ByteBuffer.wrap(value));
        assertThat(dl.getErrorMessage()).isNotBlank();
    }

    @Test
    void nullValue() throws IOException {
        assertThat(codeOf(keyOf(aValidSend()), null)).isEqualTo(DeadLetterCodes.NULL_VALUE);
    }

    @Test
    void nullKey() throws IOException {
        assertThat(codeOf(null, confluent(SENDS, aValidSend())))
                .isEqualTo(DeadLetterCodes.NULL_KEY);
    }

    @Test
    void oversizeRecordKeepsOnlyAPrefix() throws IOException {
        SendRequest big =
                SendRequest.newBuilder(aValidSend())
                        .setPayload(ByteBuffer.wrap(new byte[8192]))
                        .build();
        DeadLetter dl = readSend(keyOf(big), confluent(SENDS, big)).getDeadLetter();
        assertThat(dl.getErrorCode()).isEqualTo(DeadLetterCodes.OVERSIZE);
        assertThat(dl.getRawValue().remaining()).isEqualTo(InputDeserializer.OVERSIZE_PREFIX_BYTES);
    }

    @Test
    void emptyOrShortValueIsATruncatedHeader() throws IOException {
        byte[] key = keyOf(aValidSend());
        assertThat(codeOf(key, new byte[0])).isEqualTo(DeadLetterCodes.TRUNCATED_HEADER);
        assertThat(codeOf(key, new byte[] {0, 0, 1})).isEqualTo(DeadLetterCodes.TRUNCATED_HEADER);
    }

    @Test
    void badMagicByte() throws IOException {
        byte[] value = confluent(SENDS, aValidSend());
        value[0] = 1;
        assertThat(codeOf(keyOf(aValidSend()), value)).isEqualTo(DeadLetterCodes.BAD_MAGIC_BYTE);
        assertThat(codeOf(keyOf(aValidSend()), "{\"json\":true}".getBytes(StandardCharsets.UTF_8)))
                .isEqualTo(DeadLetterCodes.BAD_MAGIC_BYTE);
    }

    @Test
    void unknownSchemaId() throws IOException {
        assertThat(codeOf(keyOf(aValidSend()), confluent(99, aValidSend())))
                .isEqualTo(DeadLetterCodes.UNKNOWN_SCHEMA_ID);
    }

    @Test
    void schemaOfAnotherRecordType() throws IOException {
        ConsentEvent event = aConsent().at("2026-03-02T11:00:00Z").build();
        assertThat(codeOf(keyOf(aValidSend()), confluent(CONSENTS, event)))
                .isEqualTo(DeadLetterCodes.WRONG_RECORD_TYPE);
    }

    @Test
    void schemaThatCannotBeReadWithTheJobsSchema() throws IOException {
        byte[] value = concat(header(SENDS_WITH_INT_MESSAGE_ID), new byte[] {2, 0, 0});
        assertThat(codeOf(keyOf(aValidSend()), value))
                .isEqualTo(DeadLetterCodes.INCOMPATIBLE_SCHEMA);
    }

    @Test
    void truncatedAvro() throws IOException {
        byte[] value = confluent(SENDS, aValidSend());
        assertThat(codeOf(keyOf(aValidSend()), Arrays.copyOf(value, value.length / 2)))
                .isEqualTo(DeadLetterCodes.TRUNCATED_AVRO);
    }

    @Test
    void hugeLengthIsRefusedWithoutAllocating() throws IOException {
        // A string length of 2^30 (zig-zag varint) followed by nothing.
        byte[] value =
                concat(
                        header(SENDS),
                        new byte[] {(byte) 0x80, (byte) 0x80, (byte) 0x80, (byte) 0x80, 0x08});
        assertThat(codeOf(keyOf(aValidSend()), value)).isEqualTo(DeadLetterCodes.TRUNCATED_AVRO);
    }

    @Test
    void trailingBytesAreCorrupt() throws IOException {
        byte[] value = concat(confluent(SENDS, aValidSend()), new byte[] {7});
        assertThat(codeOf(keyOf(aValidSend()), value)).isEqualTo(DeadLetterCodes.CORRUPT_AVRO);
    }

    @Test
    void badUnionIndexIsCorrupt() throws IOException {
        // messageId "m1", tenantId "t-1", then the brand union with branch index 5 (zig-zag 10).
        byte[] value = concat(header(SENDS), new byte[] {4, 'm', '1', 6, 't', '-', '1', 10});
        assertThat(codeOf(keyOf(aValidSend()), value)).isEqualTo(DeadLetterCodes.CORRUPT_AVRO);
    }

    @Test
    void unknownEnumSymbolFromANewerWriterSchema() throws IOException {
        SendRequest send = aValidSend();
        GenericRecord evolved =
                WireFormat.asGeneric(avro(send), SendRequest.getClassSchema(), NEW_CHANNEL_SCHEMA);
        evolved.put(
                "channel",
                new GenericData.EnumSymbol(NEW_CHANNEL_SCHEMA.getField("channel").schema(), "FAX"));
        byte[] value = concat(header(SENDS_WITH_NEW_CHANNEL), avro(evolved));
        assertThat(codeOf(keyOf(send), value)).isEqualTo(DeadLetterCodes.UNKNOWN_ENUM_SYMBOL);
    }

    @Test
    void newerWriterSchemaIsReadWhenTheRecordUsesKnownSymbols() throws IOException {
        SendRequest send = aValidSend();
        GenericRecord evolved =
                WireFormat.asGeneric(avro(send), SendRequest.getClassSchema(), NEW_CHANNEL_SCHEMA);
        byte[] value = concat(header(SENDS_WITH_NEW_CHANNEL), avro(evolved));
        assertThat(readSend(keyOf(send), value).getSend()).isEqualTo(send);
    }

    @Test
    void invalidUtf8() throws IOException {
        SendRequest send = SendRequest.newBuilder(aValidSend()).setMessageId("ab").build();
        byte[] value = confluent(SENDS, send);
        // The message id is the first field: length 2 (zig-zag 4), then its bytes.
        assertThat(value[5]).isEqualTo((byte) 4);
        value[6] = (byte) 0xC3;
        value[7] = (byte) 0x28;
        assertThat(codeOf(keyOf(send), value)).isEqualTo(DeadLetterCodes.INVALID_UTF8);
    }

    @Test
    void missingIds() throws IOException {
        SendRequest noMessageId = SendRequest.newBuilder(aValidSend()).setMessageId(" ").build();
        assertThat(codeOf(keyOf(noMessageId), confluent(SENDS, noMessageId)))
                .isEqualTo(DeadLetterCodes.MISSING_ID);
        SendRequest noSubject = SendRequest.newBuilder(aValidSend()).setSubjectId("").build();
        assertThat(codeOf(keyOf(noSubject), confluent(SENDS, noSubject)))
                .isEqualTo(DeadLetterCodes.MISSING_ID);
    }

    @Test
    void tenantIdWithTheKeySeparator() throws IOException {
        SendRequest send = SendRequest.newBuilder(aValidSend()).setTenantId("t:1").build();
        assertThat(codeOf(keyOf(send), confluent(SENDS, send)))
                .isEqualTo(DeadLetterCodes.INVALID_ID);
    }

    @Test
    void keyOfAnotherSubject() throws IOException {
        assertThat(codeOf(SubjectKey.bytes("t-1", "someone-else"), confluent(SENDS, aValidSend())))
                .isEqualTo(DeadLetterCodes.KEY_MISMATCH);
    }

    @Test
    void absurdTimestamps() throws IOException {
        SendRequest ancient =
                SendRequest.newBuilder(aValidSend())
                        .setRequestedAt(Instant.parse("1999-12-31T23:59:59Z"))
                        .build();
        assertThat(codeOf(keyOf(ancient), confluent(SENDS, ancient)))
                .isEqualTo(DeadLetterCodes.TIMESTAMP_OUT_OF_RANGE);
        SendRequest future =
                SendRequest.newBuilder(aValidSend())
                        .setRequestedAt(Instant.ofEpochMilli(RECORD_TIME).plus(Duration.ofDays(2)))
                        .build();
        assertThat(codeOf(keyOf(future), confluent(SENDS, future)))
                .isEqualTo(DeadLetterCodes.TIMESTAMP_OUT_OF_RANGE);
    }

    @Test
    void registryUnavailableIsNotADeadLetter() {
        registry.down();
        SendRequest send = aValidSend();
        assertThatThrownBy(() -> readSend(keyOf(send), confluent(SENDS, send)))
                .isInstanceOf(IOException.class);
    }

    @Test
    void everyCodeIsListed() {
        assertThat(DeadLetterCodes.ALL).doesNotHaveDuplicates().hasSize(18);
    }
}
