package io.consentgate.filter.it;

import static io.consentgate.engine.testing.ConsentBuilder.aConsent;
import static io.consentgate.engine.testing.SendBuilder.aSend;
import static io.consentgate.filter.PolicyBuilder.aPolicy;
import static org.assertj.core.api.Assertions.assertThat;

import io.consentgate.filter.FilterConfig;
import io.consentgate.filter.io.DeadLetterCodes;
import io.consentgate.filter.it.KafkaTestIo.Out;
import io.consentgate.replay.AppliedOrder;
import io.consentgate.replay.ScenarioEvent;
import io.consentgate.schema.ApprovedSend;
import io.consentgate.schema.AuditEvent;
import io.consentgate.schema.AuditKind;
import io.consentgate.schema.DeadLetter;
import io.consentgate.schema.PolicyDocument;
import io.consentgate.schema.Reason;
import io.consentgate.schema.Verdict;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Policy hot-swap through Kafka, with parallelism 2: an invalid version 2 and then a valid one are
 * published on the policy topic (with a record that is not Confluent Avro at all). The audit trail
 * has exactly one POLICY_REJECTED naming the bad field and one POLICY_ACTIVATED (not one per
 * subtask), every send before the version's effectiveFrom is decided under version 1 and every send
 * from then on under version 2, and the broken record is dead-lettered.
 *
 * <p>Version 2 lets consent go stale after one month: the subjects' January consents allow their
 * sends an hour before effectiveFrom and block (CONSENT_STALE) those an hour after. That the policy
 * is read before those sends are decided is not luck: the policy input's watermark takes part in
 * the decision operator's, so no send after effectiveFrom is decided before the version.
 */
class PolicyHotSwapITCase {

    static final String TENANT = "t-policy";
    static final int SUBJECTS = 20;
    static final Instant E = Instant.parse("2026-03-02T12:00:00Z");

    @RegisterExtension static final FlinkMiniCluster CLUSTER = PipelineRun.miniCluster();

    @Test
    void anInvalidVersionIsRejectedOnceAndAValidOneDecidesFromItsEffectiveFrom(MiniCluster cluster)
            throws Exception {
        Topics topics = Topics.fresh("policy-hot-swap");
        KafkaTestIo.createTopics(topics);
        PolicyDocument invalid =
                aPolicy()
                        .version(2)
                        .effectiveFrom(E.toString())
                        .with("consentRefreshMonths", "0")
                        .build();
        PolicyDocument valid = aPolicy().version(2).effectiveFrom(E.toString()).strict().build();

        List<ScenarioEvent> events = new ArrayList<>();
        for (int i = 0; i < SUBJECTS; i++) {
            String subject = "sub-" + i;
            events.add(
                    ScenarioEvent.of(
                            aConsent()
                                    .id("grant-" + i)
                                    .subject(TENANT, subject)
                                    .at("2026-01-10T09:00:00Z")
                                    .build()));
            events.add(
                    ScenarioEvent.of(
                            aSend().id("before-" + i)
                                    .subject(TENANT, subject)
                                    .at(E.minus(Duration.ofHours(1)).plusSeconds(i))
                                    .build()));
            events.add(
                    ScenarioEvent.of(
                            aSend().id("after-" + i)
                                    .subject(TENANT, subject)
                                    .at(E.plus(Duration.ofHours(1)).plusSeconds(i))
                                    .build()));
        }
        try (KafkaTestIo kafka = new KafkaTestIo()) {
            kafka.sendNow(policyRecord(kafka, topics, invalid));
            kafka.sendNow(policyRecord(kafka, topics, valid));
            kafka.sendNow(
                    new ProducerRecord<>(
                            topics.policy(), utf8("default"), utf8("id: default\nversion: 3\n")));
            kafka.produce(topics, AppliedOrder.sort(events), null);
        }

        FilterConfig config = PipelineRun.config(topics, Map.of());
        PipelineRun.run(cluster, config, PipelineRun.noRestarts(), true);

        List<AuditEvent> audit =
                KafkaTestIo.readCommitted(topics.audit(), AuditEvent.class).stream()
                        .map(Out::value)
                        .collect(Collectors.toList());
        assertThat(ofKind(audit, AuditKind.POLICY_REJECTED))
                .singleElement()
                .satisfies(
                        a -> {
                            assertThat(a.getPolicyId()).isEqualTo("default");
                            assertThat(a.getPolicyVersion()).isEqualTo(2);
                            assertThat(a.getDetail()).contains("consentRefreshMonths");
                        });
        assertThat(ofKind(audit, AuditKind.POLICY_ACTIVATED))
                .singleElement()
                .satisfies(
                        a -> {
                            assertThat(a.getPolicyVersion()).isEqualTo(2);
                            assertThat(a.getEventTime()).isEqualTo(E);
                            assertThat(a.getLate()).isFalse();
                        });

        List<AuditEvent> decisions = ofKind(audit, AuditKind.DECISION);
        assertThat(decisions).hasSize(2 * SUBJECTS);
        for (AuditEvent d : decisions) {
            if (d.getMessageId().startsWith("before-")) {
                assertThat(d.getPolicyVersion()).as(d.getMessageId()).isEqualTo(1);
                assertThat(d.getVerdict()).as(d.getMessageId()).isEqualTo(Verdict.ALLOW);
            } else {
                assertThat(d.getPolicyVersion()).as(d.getMessageId()).isEqualTo(2);
                assertThat(d.getVerdict()).as(d.getMessageId()).isEqualTo(Verdict.BLOCK);
                assertThat(d.getReasons()).as(d.getMessageId()).contains(Reason.CONSENT_STALE);
            }
            assertThat(d.getLate()).as(d.getMessageId()).isFalse();
        }
        List<ApprovedSend> approved =
                KafkaTestIo.readCommitted(topics.approved(), ApprovedSend.class).stream()
                        .map(Out::value)
                        .collect(Collectors.toList());
        assertThat(approved).hasSize(SUBJECTS);
        assertThat(approved)
                .allSatisfy(
                        a -> {
                            assertThat(a.getRequest().getMessageId()).startsWith("before-");
                            assertThat(a.getPolicyVersion()).isEqualTo(1);
                        });

        assertThat(KafkaTestIo.readCommitted(topics.dlq(), DeadLetter.class))
                .singleElement()
                .satisfies(
                        o -> {
                            assertThat(o.value().getErrorCode())
                                    .isEqualTo(DeadLetterCodes.BAD_MAGIC_BYTE);
                            assertThat(o.value().getSourceTopic()).isEqualTo(topics.policy());
                        });
    }

    private static ProducerRecord<byte[], byte[]> policyRecord(
            KafkaTestIo kafka, Topics topics, PolicyDocument doc) {
        return new ProducerRecord<>(
                topics.policy(), utf8(doc.getPolicyId()), kafka.encode(topics.policy(), doc));
    }

    private static List<AuditEvent> ofKind(List<AuditEvent> audit, AuditKind kind) {
        return audit.stream().filter(a -> a.getKind() == kind).collect(Collectors.toList());
    }

    private static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }
}
