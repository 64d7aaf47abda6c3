package io.consentgate.filter;

import io.consentgate.filter.internal.SubjectInput;
import io.consentgate.schema.ApprovedSend;
import io.consentgate.schema.AuditEvent;
import io.consentgate.schema.AuditKind;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.DeadLetter;
import io.consentgate.schema.DeferredSend;
import io.consentgate.schema.PolicyDocument;
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
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;
import org.apache.flink.streaming.api.watermark.Watermark;
import org.apache.flink.streaming.runtime.streamrecord.StreamRecord;
import org.apache.flink.streaming.util.KeyedBroadcastOperatorTestHarness;
import org.apache.flink.util.OutputTag;

/**
 * The decision operator in a keyed broadcast test harness on RocksDB, with one-line inputs and
 * typed views of its outputs. Sends and consent events carry their event time as the record
 * timestamp, as the sources assign it; policy documents their effectiveFrom. A watermark advances
 * both inputs (the policy input's watermark also takes part in the operator's).
 */
final class DecisionHarness implements AutoCloseable {
    static final ComplianceFunction.Settings SETTINGS =
            new ComplianceFunction.Settings(
                    null,
                    java.time.Duration.ofDays(30).toMillis(),
                    64,
                    FilterConfig.LateSends.DECIDE,
                    "sends.requested");

    private final KeyedBroadcastOperatorTestHarness<
                    String, SubjectInput, PolicyDocument, AuditEvent>
            harness;
    private final ComplianceFunction function;

    private DecisionHarness(
            ComplianceFunction.Settings settings,
            OperatorSubtaskState restoreFrom,
            int maxParallelism,
            int parallelism,
            int subtask)
            throws Exception {
        function = new ComplianceFunction(settings);
        harness =
                new KeyedBroadcastOperatorTestHarness<>(
                        new CoBroadcastWithKeyedOperator<>(function, List.of(Descriptors.POLICIES)),
                        new SubjectKey.OfInput(),
                        Types.STRING,
                        maxParallelism,
                        parallelism,
                        subtask);
        harness.setStateBackend(new EmbeddedRocksDBStateBackend());
        harness.setup();
        if (restoreFrom != null) {
            harness.initializeState(restoreFrom);
        }
        harness.open();
    }

    static DecisionHarness open() throws Exception {
        return new DecisionHarness(SETTINGS, null, 1, 1, 0);
    }

    static DecisionHarness open(ComplianceFunction.Settings settings) throws Exception {
        return new DecisionHarness(settings, null, 1, 1, 0);
    }

    /** Subtask {@code subtask} of an operator with {@code parallelism} subtasks. */
    static DecisionHarness openSubtask(int parallelism, int subtask) throws Exception {
        return new DecisionHarness(SETTINGS, null, 128, parallelism, subtask);
    }

    static DecisionHarness restore(OperatorSubtaskState state) throws Exception {
        return new DecisionHarness(SETTINGS, state, 1, 1, 0);
    }

    static DecisionHarness restore(ComplianceFunction.Settings settings, OperatorSubtaskState state)
            throws Exception {
        return new DecisionHarness(settings, state, 1, 1, 0);
    }

    DecisionHarness send(SendRequest send) throws Exception {
        harness.processElement(new SubjectInput(send, null), send.getRequestedAt().toEpochMilli());
        return this;
    }

    DecisionHarness consent(ConsentEvent event) throws Exception {
        harness.processElement(new SubjectInput(null, event), event.getOccurredAt().toEpochMilli());
        return this;
    }

    /** A document arriving on the policy topic. */
    DecisionHarness policy(PolicyDocument doc) throws Exception {
        harness.processBroadcastElement(doc, doc.getEffectiveFrom().toEpochMilli());
        return this;
    }

    /** Advances the watermark of both inputs to {@code instant}. */
    DecisionHarness watermark(String instant) throws Exception {
        return watermark(Instant.parse(instant));
    }

    DecisionHarness watermark(Instant instant) throws Exception {
        harness.processWatermark(new Watermark(instant.toEpochMilli()));
        harness.processBroadcastWatermark(new Watermark(instant.toEpochMilli()));
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

    /** POLICY_ACTIVATED and POLICY_REJECTED alerts, in order. */
    List<AuditEvent> policyAlerts() {
        return audits().stream()
                .filter(
                        a ->
                                a.getKind() == AuditKind.POLICY_ACTIVATED
                                        || a.getKind() == AuditKind.POLICY_REJECTED)
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
                        Descriptors.SUBJECT.getName(),
                        Descriptors.PENDING.getName(),
                        Descriptors.DEFERRED.getName(),
                        Descriptors.RECENT_ALLOWS.getName())) {
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

    long shadowDisagreements() {
        return function.shadowDisagreements();
    }

    long shadowDecisions() {
        return function.shadowDecisions();
    }

    /** The broadcast state: policy id to the versions accepted from the topic. */
    java.util.Map<String, List<Integer>> storedVersions() throws Exception {
        java.util.Map<String, List<Integer>> out = new java.util.TreeMap<>();
        for (var e : harness.getBroadcastState(Descriptors.POLICIES).entries()) {
            out.put(
                    e.getKey(),
                    e.getValue().getVersions().stream()
                            .map(PolicyDocument::getVersion)
                            .collect(Collectors.toList()));
        }
        return out;
    }

    @Override
    public void close() throws Exception {
        harness.close();
    }
}
