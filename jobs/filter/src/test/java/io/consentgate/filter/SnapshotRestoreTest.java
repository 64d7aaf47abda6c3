package io.consentgate.filter;

import static io.consentgate.engine.testing.ConsentBuilder.aConsent;
import static io.consentgate.engine.testing.ConsentBuilder.an;
import static io.consentgate.engine.testing.SendBuilder.aSend;
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
 * byte-identical outputs: buffered records, deferred sends, recent ALLOWs and timers all survive.
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
        List<Step> script = script();
        List<List<ByteBuffer>> expected;
        String expectedText;
        try (DecisionHarness h = DecisionHarness.open()) {
            for (Step s : script) {
                s.apply(h);
            }
            expected = outputs(List.of(h));
            expectedText = describe(h);
        }
        assertThat(expected.get(0)).hasSizeGreaterThan(5); // decisions and an alert
        assertThat(expected.get(2)).hasSize(1); // the deferred call

        for (int cut = 1; cut < script.size(); cut++) {
            DecisionHarness before = DecisionHarness.open();
            for (Step s : script.subList(0, cut)) {
                s.apply(before);
            }
            OperatorSubtaskState state = before.snapshot(cut);
            before.close();
            DecisionHarness after = DecisionHarness.restore(state);
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
                    .isEqualTo(expectedLeftover());
            after.close();
        }
    }

    /** What is left after the windows: the ledgers with refusals on file. */
    private static long expectedLeftover() throws Exception {
        try (DecisionHarness h = DecisionHarness.open()) {
            for (Step s : script()) {
                s.apply(h);
            }
            return h.keyedStateEntries();
        }
    }
}
