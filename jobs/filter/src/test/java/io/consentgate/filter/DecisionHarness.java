package io.consentgate.filter;

import io.consentgate.schema.ApprovedSend;
import io.consentgate.schema.AuditEvent;
import io.consentgate.schema.AuditKind;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.DeadLetter;
import io.consentgate.schema.DeferredSend;
import io.consentgate.schema.SendRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.stream.Collectors;
import org.apache.flink.api.common.typeinfo.Types;
import org.apache.flink.runtime.checkpoint.OperatorSubtaskState;
import org.apache.flink.runtime.state.VoidNamespace;
import org.apache.flink.state.rocksdb.EmbeddedRocksDBStateBackend;
import org.apache.flink.streaming.api.operators.co.KeyedCoProcessOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedTwoInputStreamOperatorTestHarness;
import org.apache.flink.util.OutputTag;

/**
 * The decision operator in a test harness on RocksDB, with one-line inputs and typed views of its
 * outputs. Sends and consent events carry their event time as the record timestamp, as the sources
 * assign it.
 */
final class DecisionHarness implements AutoCloseable {
    static final ComplianceFunction.Settings SETTINGS =
            new ComplianceFunction.Settings(
                    null,
                    java.time.Duration.ofDays(30).toMillis(),
                    64,
                    FilterConfig.LateSends.DECIDE,
                    "sends.requested");

    private final KeyedTwoInputStreamOperatorTestHarness<
                    String, SendRequest, ConsentEvent, AuditEvent>
            harness;
    private final ComplianceFunction function;

    private DecisionHarness(ComplianceFunction.Settings settings, OperatorSubtaskState restoreFrom)
            throws Exception {
        function = new ComplianceFunction(settings);
        harness =
                new KeyedTwoInputStreamOperatorTestHarness<>(
                        new KeyedCoProcessOperator<>(function),
                        new SubjectKey.OfSend(),
                        new SubjectKey.OfConsent(),
                        Types.STRING);
        harness.setStateBackend(new EmbeddedRocksDBStateBackend());
        harness.setup();
        if (restoreFrom != null) {
            harness.initializeState(restoreFrom);
        }
        harness.open();
    }

    static DecisionHarness open() throws Exception {
        return new DecisionHarness(SETTINGS, null);
    }

    static DecisionHarness open(ComplianceFunction.Settings settings) throws Exception {
        return new DecisionHarness(settings, null);
    }

    static DecisionHarness restore(OperatorSubtaskState state) throws Exception {
        return new DecisionHarness(SETTINGS, state);
    }

    DecisionHarness send(SendRequest send) throws Exception {
        harness.processElement1(send, send.getRequestedAt().toEpochMilli());
        return this;
    }

    DecisionHarness consent(ConsentEvent event) throws Exception {
        harness.processElement2(event, event.getOccurredAt().toEpochMilli());
        return this;
    }

    /** Advances the watermark of both inputs to {@code instant}. */
    DecisionHarness watermark(String instant) throws Exception {
        return watermark(Instant.parse(instant));
    }

    DecisionHarness watermark(Instant instant) throws Exception {
        harness.processBothWatermarks(new Watermark(instant.toEpochMilli()));
        return this;
    }

    OperatorSubtaskState snapshot(long checkpointId) throws Exception {
        return harness.snapshot(checkpointId, checkpointId);
    }

    List<AuditEvent> audits() {
        List<AuditEvent> out = new ArrayList<>();
        for (Object o : harness.getOutput()) {
            if (o instanceof StreamRecord<?> r) {
                out.add((AuditEvent) r.getValue());
            }
        }
        return out;
    }

    List<AuditEvent> decisions() {
        return audits().stream()
                .filter(a -> a.getKind() == AuditKind.DECISION)
                .collect(Collectors.toList());
    }

    List<AuditEvent> alerts() {
        return audits().stream()
                .filter(a -> a.getKind() == AuditKind.RETROACTIVE_VIOLATION)
                .collect(Collectors.toList());
    }

    AuditEvent decisionOf(String messageId) {
        List<AuditEvent> found =
                decisions().stream()
                        .filter(a -> messageId.equals(a.getMessageId()))
                        .collect(Collectors.toList());
        if (found.size() != 1) {
            throw new AssertionError(
                    "expected one decision for " + messageId + ", found " + found.size());
        }
        return found.get(0);
    }

    List<ApprovedSend> approved() {
        return side(Descriptors.APPROVED);
    }

    List<DeferredSend> deferred() {
        return side(Descriptors.DEFERRED_SENDS);
    }

    List<DeadLetter> deadLetters() {
        return side(Descriptors.DEAD_LETTERS);
    }

    private <T> List<T> side(OutputTag<T> tag) {
        Queue<StreamRecord<T>> records = harness.getSideOutput(tag);
        List<T> out = new ArrayList<>();
        if (records != null) {
            for (StreamRecord<T> r : records) {
                out.add(r.getValue());
            }
        }
        return out;
    }

    /**
     * Keyed state in use: for each of the operator's keyed states, the subject keys holding an
     * entry. (Not the backend's raw entry count: RocksDB batches timer deletions, so its timer
     * column family lags until the next flush; timers are counted by {@link #eventTimeTimers}.)
     */
    long keyedStateEntries() {
        long n = 0;
        for (String state :
                List.of(
                        Descriptors.LEDGER.getName(),
                        Descriptors.PENDING.getName(),
                        Descriptors.DEFERRED.getName(),
                        Descriptors.RECENT_ALLOWS.getName(),
                        Descriptors.HOUSEKEEPING.getName())) {
            n += keysIn(state);
        }
        return n;
    }

    /** Subject keys that have an entry in the named state. */
    long keysIn(String stateName) {
        return harness.getOperator()
                .getKeyedStateBackend()
                .getKeys(stateName, VoidNamespace.INSTANCE)
                .count();
    }

    int eventTimeTimers() {
        return harness.numEventTimeTimers();
    }

    long pendingGauge() {
        return function.pendingCount();
    }

    long deferredGauge() {
        return function.deferredCount();
    }

    @Override
    public void close() throws Exception {
        harness.close();
    }
}
