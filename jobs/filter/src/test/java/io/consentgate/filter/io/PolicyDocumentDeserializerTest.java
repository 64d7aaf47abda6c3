package io.consentgate.filter.io;

import static io.consentgate.filter.PolicyBuilder.aPolicy;
import static io.consentgate.filter.io.WireFormat.confluent;
import static org.assertj.core.api.Assertions.assertThat;

import io.consentgate.filter.internal.DecodedPolicy;
import io.consentgate.schema.PolicyDocument;
import io.consentgate.schema.SendRequest;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.common.header.internals.RecordHeaders;
import org.apache.kafka.common.record.TimestampType;
import org.junit.jupiter.api.Test;

/**
 * Policy records: decodable documents pass (the YAML is judged by the decision operator), broken
 * records become dead letters with the usual codes.
 */
class PolicyDocumentDeserializerTest {
    private static final int POLICIES = 7;
    private static final int SENDS = 8;
    private static final InputLimits LIMITS =
            new InputLimits(
                    64 * 1024,
                    Instant.parse("2000-01-01T00:00:00Z").toEpochMilli(),
                    Duration.ofDays(1).toMillis());

    private final WireFormat.InMemoryRegistry registry =
            new WireFormat.InMemoryRegistry()
                    .with(POLICIES, PolicyDocument.getClassSchema())
                    .with(SENDS, SendRequest.getClassSchema());

    private DecodedPolicy read(byte[] key, byte[] value) throws IOException {
        PolicyDocumentDeserializer d = new PolicyDocumentDeserializer(LIMITS, () -> registry);
        d.open(null);
        List<DecodedPolicy> out = new ArrayList<>();
        d.deserialize(
                new ConsumerRecord<>(
                        "compliance.policy",
                        0,
                        5L,
                        Instant.parse("2026-03-01T00:00:00Z").toEpochMilli(),
                        TimestampType.CREATE_TIME,
                        key == null ? -1 : key.length,
                        value == null ? -1 : value.length,
                        key,
                        value,
                        new RecordHeaders(),
                        Optional.empty()),
                new Collector<>() {
                    @Override
                    public void collect(DecodedPolicy record) {
                        out.add(record);
                    }

                    @Override
                    public void close() {}
                });
        assertThat(out).hasSize(1);
        return out.get(0);
    }

    private String codeOf(byte[] key, byte[] value) throws IOException {
        DecodedPolicy decoded = read(key, value);
        assertThat(decoded.getDocument()).isNull();
        assertThat(decoded.getDeadLetter().getSourceTopic()).isEqualTo("compliance.policy");
        return decoded.getDeadLetter().getErrorCode();
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    @Test
    void decodesADocumentKeyedByItsPolicyIdEvenWhenItsYamlIsInvalid() throws IOException {
        PolicyDocument doc = aPolicy().yaml("not: [a policy").build();
        DecodedPolicy decoded = read(utf8("default"), confluent(POLICIES, doc));
        assertThat(decoded.getDeadLetter()).isNull();
        assertThat(decoded.getDocument()).isEqualTo(doc);
    }

    @Test
    void brokenRecordsAreDeadLettered() throws IOException {
        PolicyDocument doc = aPolicy().build();
        assertThat(codeOf(utf8("other"), confluent(POLICIES, doc)))
                .isEqualTo(DeadLetterCodes.KEY_MISMATCH);
        assertThat(codeOf(null, confluent(POLICIES, doc))).isEqualTo(DeadLetterCodes.NULL_KEY);
        assertThat(codeOf(utf8("default"), null)).isEqualTo(DeadLetterCodes.NULL_VALUE);
        assertThat(codeOf(utf8("default"), utf8("id: default")))
                .isEqualTo(DeadLetterCodes.BAD_MAGIC_BYTE);
        assertThat(
                        codeOf(
                                utf8("m1"),
                                confluent(
                                        SENDS,
                                        io.consentgate.engine.testing.SendBuilder.aSend().build())))
                .isEqualTo(DeadLetterCodes.WRONG_RECORD_TYPE);
        PolicyDocument blankId = aPolicy().header(" ", 2).build();
        assertThat(codeOf(utf8(" "), confluent(POLICIES, blankId)))
                .isEqualTo(DeadLetterCodes.MISSING_ID);
        PolicyDocument huge = aPolicy().yaml("x".repeat(70 * 1024)).build();
        assertThat(codeOf(utf8("default"), confluent(POLICIES, huge)))
                .isEqualTo(DeadLetterCodes.OVERSIZE);
    }
}
