package io.consentgate.filter;

import static io.consentgate.engine.testing.ConsentBuilder.aConsent;
import static io.consentgate.engine.testing.ConsentBuilder.an;
import static io.consentgate.engine.testing.SendBuilder.aSend;
import static io.consentgate.filter.PolicyBuilder.aPolicy;
import static org.assertj.core.api.Assertions.assertThat;

import io.consentgate.schema.Channel;
import io.consentgate.schema.ConsentEventType;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.junit.jupiter.api.Test;

/**
 * A checkpoint taken at any point of a run, restored into a fresh operator, continues with
 * byte-identical outputs: buffered records, deferred sends, recent ALLOWs, timers and the policy
 * versions in broadcast state all survive.
 */
class SnapshotRestoreTest {

    /** One input or watermark step. */
    interface Step {
        void apply(DecisionHarness h) throws Exception;
    }

    private static final String OTHER = "sub-2";

    static List<Step> scriptForDebug() {
        return script();
    }

    private static List<Step> script() {
        return List.of(
                h -> h.consent(aConsent().id("grant").at("2026-01-10T09:00:00Z").build()),
                h -> h.watermark("2026-03-02T06:00:00Z"),
                h -> h.send(aSend().id("m1").at("2026-03-02T12:00:00Z").build()),
                h ->
                        h.send(
                                aSend().id("call")
                                        .subject("t-1", OTHER)
                                        .phoneCall()
                                        .inUs()
                                        .at("2026-03-02T07:00:00Z")
                                        .build()),
                h -> h.send(aSend().id("m2").sms().at("2026-03-02T12:00:00Z").build()),
                h ->
                        h.consent(
                                an(ConsentEventType.CONSENT_WITHDRAWN)
                                        .id("withdraw-sms")
                                        .channel(Channel.SMS)
                                        .at("2026-03-02T12:00:00Z")
                                        .build()),
                h -> h.watermark("2026-03-02T12:00:00Z"),
                h -> h.send(aSend().id("m1").at("2026-03-02T12:30:00Z").build()),
                h ->
                        h.consent(
                                an(ConsentEventType.OPT_OUT)
                                        .id("late-opt-out")
                                        .anyBrand()
                                        .anyChannel()
                                        .at("2026-03-02T11:00:00Z")
                                        .build()),
                h -> h.send(aSend().id("late-send").at("2026-03-02T11:30:00Z").build()),
                h -> h.watermark("2026-03-02T13:00:00Z"),
                h -> h.watermark("2026-04-05T00:00:00Z"));
    }

    /**
     * Policy versions arriving early, late, invalid and for the shadow, among sends and consent
     * events (run with a shadow policy configured).
     */
    private static List<Step> policyScript() {
        return List.of(
                h -> h.consent(aConsent().id("grant").at("2026-01-10T09:00:00Z").build()),
                h -> h.watermark("2026-03-02T06:00:00Z"),
                h ->
                        h.policy(
                                aPolicy()
                                        .version(2)
                                        .effectiveFrom("2026-03-02T12:15:00Z")
                                        .strict()
                                        .build()),
                h -> h.send(aSend().id("m1").at("2026-03-02T12:00:00Z").build()),
                h -> h.send(aSend().id("m3").at("2026-03-02T12:30:00Z").build()),
                h -> h.policy(aPolicy().version(3).with("dedupeWindowDays", "-1").build()),
                h ->
                        h.policy(
                                aPolicy()
                                        .id("candidate")
                                        .version(2)
                                        .effectiveFrom("2026-03-02T12:00:00Z")
                                        .build()),
                h ->
                        h.send(
                                aSend().id("call")
                                        .subject("t-1", OTHER)
                                        .phoneCall()
                                        .inUs()
                                        .at("2026-03-02T07:00:00Z")
                                        .build()),
                h -> h.watermark("2026-03-02T12:00:00Z"),
                // Late: effective 11:00, behind the watermark.
                h -> h.policy(aPolicy().version(3).effectiveFrom("2026-03-02T11:00:00Z").build()),
                h ->
                        h.consent(
                                an(ConsentEventType.OPT_OUT)
                                        .id("late-opt-out")
                                        .anyBrand()
                                        .anyChannel()
                                        .at("2026-03-02T11:30:00Z")
                                        .build()),
                h -> h.send(aSend().id("late-send").at("2026-03-02T11:45:00Z").build()),
                h -> h.watermark("2026-03-02T13:00:00Z"),
                h -> h.watermark("2026-04-05T00:00:00Z"));
    }

    private static final ComplianceFunction.Settings WITH_SHADOW =
            DecisionHarness.SETTINGS.withShadow(
                    aPolicy().id("candidate").version(1).strict().yaml(), null);

    /** Every output of a run, serialized, in order per output. */
    private static List<List<ByteBuffer>> outputs(List<DecisionHarness> runs) throws Exception {
        List<ByteBuffer> audits = new ArrayList<>();
        List<ByteBuffer> approved = new ArrayList<>();
        List<ByteBuffer> deferred = new ArrayList<>();
        for (DecisionHarness h : runs) {
            serialize(h.audits(), audits);
            serialize(h.approved(), approved);
            serialize(h.deferred(), deferred);
        }
        return List.of(audits, approved, deferred);
    }

    private static void serialize(List<? extends SpecificRecordBase> records, List<ByteBuffer> out)
            throws Exception {
        for (SpecificRecordBase r : records) {
            out.add((ByteBuffer) r.getClass().getMethod("toByteBuffer").invoke(r));
        }
    }

    private static String describe(DecisionHarness... runs) {
        StringBuilder sb = new StringBuilder();
        for (DecisionHarness h : runs) {
            for (var a : h.audits()) {
                sb.append(a.getKind())
                        .append(' ')
                        .append(a.getMessageId())
                        .append(" v")
                        .append(a.getPolicyVersion())
                        .append(" shadow ")
                        .append(a.getShadowVerdict())
                        .append(' ')
                        .append(a.getVerdict())
                        .append(' ')
                        .append(a.getReasons())
                        .append(' ')
                        .append(a.getAffectedMessageIds())
                        .append('\n');
            }
        }
        return sb.toString();
    }

    @Test
    void restoringACheckpointTakenAtAnyStepGivesByteIdenticalOutputs() throws Exception {
        Run expected = assertRestoresIdentically(DecisionHarness.SETTINGS, script());
        assertThat(expected.outputs().get(0)).hasSizeGreaterThan(5); // decisions and an alert
        assertThat(expected.outputs().get(2)).hasSize(1); // the deferred call
    }

    @Test
    void restoringWithPolicyVersionsAndAShadowGivesByteIdenticalOutputs() throws Exception {
        Run expected = assertRestoresIdentically(WITH_SHADOW, policyScript());
        assertThat(expected.text())
                .contains("POLICY_ACTIVATED null v2")
                .contains("POLICY_REJECTED null v3")
                .contains("POLICY_ACTIVATED null v3")
                .contains("RETROACTIVE_VIOLATION null v3")
                .contains("DECISION m1 v1 shadow ALLOW")
                .contains("DECISION m3 v3 shadow BLOCK")
                .contains("DECISION call v1 shadow DEFER")
                .contains("DECISION call v3 shadow ALLOW");
    }

    /** A whole run's serialized outputs and their description. */
    record Run(List<List<ByteBuffer>> outputs, String text) {}

    /** Runs the script whole, then cut and restored at every step; returns the whole run. */
    private static Run assertRestoresIdentically(
            ComplianceFunction.Settings settings, List<Step> script) throws Exception {
        List<List<ByteBuffer>> expected;
        String expectedText;
        long expectedLeftover;
        try (DecisionHarness h = DecisionHarness.open(settings)) {
            for (Step s : script) {
                s.apply(h);
            }
            expected = outputs(List.of(h));
            expectedText = describe(h);
            expectedLeftover = h.keyedStateEntries();
        }

        for (int cut = 1; cut < script.size(); cut++) {
            DecisionHarness before = DecisionHarness.open(settings);
            for (Step s : script.subList(0, cut)) {
                s.apply(before);
            }
            OperatorSubtaskState state = before.snapshot(cut);
            before.close();
            DecisionHarness after = DecisionHarness.restore(settings, state);
            for (Step s : script.subList(cut, script.size())) {
                s.apply(after);
            }
            assertThat(outputs(List.of(before, after)))
                    .as(
                            "outputs with a checkpoint after step %d:%n%s%nexpected%n%s",
                            cut, describe(before, after), expectedText)
                    .isEqualTo(expected);
            assertThat(after.keyedStateEntries())
                    .as(
                            "cut %d: ledger %d pending %d deferred %d allows %d hk %d timers %d",
                            cut,
                            after.keysIn("ledger"),
                            after.keysIn("pending"),
                            after.keysIn("deferred"),
                            after.keysIn("recent-allows"),
                            after.keysIn("housekeeping"),
                            after.eventTimeTimers())
                    .isEqualTo(expectedLeftover);
            after.close();
        }
        return new Run(expected, expectedText);
    }
}
