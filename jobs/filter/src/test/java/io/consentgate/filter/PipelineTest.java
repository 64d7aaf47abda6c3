package io.consentgate.filter;

import static io.consentgate.engine.testing.ConsentBuilder.aConsent;
import static io.consentgate.engine.testing.SendBuilder.aSend;
import static org.assertj.core.api.Assertions.assertThat;

import io.consentgate.filter.internal.DecodedConsent;
import io.consentgate.filter.internal.DecodedSend;
import io.consentgate.filter.io.DeadLetterCodes;
import io.consentgate.schema.ApprovedSend;
import io.consentgate.schema.AuditEvent;
import io.consentgate.schema.AuditKind;
import io.consentgate.schema.DeadLetter;
import io.consentgate.schema.DeferredSend;
import io.consentgate.schema.Verdict;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.junit.jupiter.api.Test;

/**
 * The whole {@link ComplianceFilterJob#defineWorkflow} on a local MiniCluster with parallelism 2,
 * RocksDB and the job's own Flink configuration, fed from bounded in-memory sources (Kafka and the
 * registry are exercised by the ITCases).
 */
class PipelineTest {
    private static final int SUBJECTS = 20;

    @Test
    void everyValidSendGetsExactlyOneDecisionAndDeadLettersAreRoutedAside() throws Exception {
        List<DecodedSend> sends = new ArrayList<>();
        List<DecodedConsent> consents = new ArrayList<>();
        for (int i = 0; i < SUBJECTS; i++) {
            String subject = "sub-" + i;
            consents.add(
                    new DecodedConsent(
                            aConsent()
                                    .id("grant-" + i)
                                    .subject("t-1", subject)
                                    .at("2026-01-10T09:00:00Z")
                                    .build(),
                            null));
            sends.add(
                    new DecodedSend(
                            aSend().id("m-" + i)
                                    .subject("t-1", subject)
                                    .at("2026-03-02T12:00:00Z")
                                    .build(),
                            null));
        }
        // No consent: blocked. A night-time US call: deferred, then allowed at 08:00 local.
        sends.add(new DecodedSend(aSend().id("no-consent").subject("t-1", "nobody").build(), null));
        sends.add(
                new DecodedSend(
                        aSend().id("call")
                                .subject("t-1", "caller")
                                .phoneCall()
                                .inUs()
                                .at("2026-03-02T07:00:00Z")
                                .build(),
                        null));
        sends.add(
                new DecodedSend(
                        null, deadLetter("sends.requested", DeadLetterCodes.BAD_MAGIC_BYTE)));
        consents.add(
                new DecodedConsent(
                        null, deadLetter("consent.events", DeadLetterCodes.KEY_MISMATCH)));

        FilterConfig config =
                FilterConfig.fromMap(
                        Map.of(
                                "bootstrap.servers",
                                "unused:9092",
                                "registry.url",
                                "http://unused"));
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(
                        ComplianceFilterJob.flinkConfiguration(config));
        env.setParallelism(2);
        ComplianceFilterJob.defineWorkflow(
                env,
                config,
                TestIo.source(sends, new AvroTypeInfo<>(DecodedSend.class)),
                TestIo.source(consents, new AvroTypeInfo<>(DecodedConsent.class)),
                TestIo.sink("approved"),
                TestIo.sink("deferred"),
                TestIo.sink("audit"),
                TestIo.sink("dlq"));
        env.execute("pipeline-test");

        List<AuditEvent> audit = TestIo.collected("audit");
        List<ApprovedSend> approved = TestIo.collected("approved");
        List<DeferredSend> deferred = TestIo.collected("deferred");
        List<DeadLetter> dlq = TestIo.collected("dlq");

        Map<String, List<AuditEvent>> firstDecisions =
                audit.stream()
                        .filter(a -> a.getKind() == AuditKind.DECISION && !a.getRedecision())
                        .collect(Collectors.groupingBy(AuditEvent::getMessageId));
        assertThat(firstDecisions).hasSize(SUBJECTS + 2);
        assertThat(firstDecisions.values()).allSatisfy(l -> assertThat(l).hasSize(1));
        assertThat(firstDecisions.get("no-consent").get(0).getVerdict()).isEqualTo(Verdict.BLOCK);
        assertThat(firstDecisions.get("call").get(0).getVerdict()).isEqualTo(Verdict.DEFER);
        assertThat(firstDecisions.get("m-0").get(0).getVerdict()).isEqualTo(Verdict.ALLOW);

        assertThat(deferred).extracting(d -> d.getRequest().getMessageId()).containsExactly("call");
        assertThat(approved)
                .extracting(a -> a.getRequest().getMessageId())
                .doesNotHaveDuplicates()
                .hasSize(SUBJECTS + 1)
                .contains("call");
        assertThat(approved)
                .allSatisfy(
                        a ->
                                assertThat(audit)
                                        .anySatisfy(
                                                e ->
                                                        assertThat(e.getAuditId())
                                                                .isEqualTo(a.getDecisionId())));
        assertThat(dlq)
                .extracting(DeadLetter::getErrorCode)
                .containsExactlyInAnyOrder(
                        DeadLetterCodes.BAD_MAGIC_BYTE, DeadLetterCodes.KEY_MISMATCH);
    }

    private static DeadLetter deadLetter(String topic, String code) {
        return DeadLetter.newBuilder()
                .setSourceTopic(topic)
                .setPartition(0)
                .setOffset(7L)
                .setTimestamp(Instant.parse("2026-03-02T12:00:00Z"))
                .setErrorCode(code)
                .setErrorMessage("test")
                .build();
    }
}
