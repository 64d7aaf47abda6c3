package io.consentgate.filter;

import io.consentgate.engine.Decision;
import io.consentgate.engine.DecisionEngine;
import io.consentgate.engine.Policy;
import io.consentgate.engine.PolicyException;
import io.consentgate.engine.SubjectLedger;
import io.consentgate.filter.Records.DecisionKind;
import io.consentgate.filter.internal.DeferredAtTime;
import io.consentgate.filter.internal.Housekeeping;
import io.consentgate.filter.internal.PendingAtTime;
import io.consentgate.filter.internal.RecentAllow;
import io.consentgate.filter.internal.RecentAllows;
import io.consentgate.filter.io.DeadLetterCodes;
import io.consentgate.schema.AuditEvent;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.ConsentEventType;
import io.consentgate.schema.Reason;
import io.consentgate.schema.SendRequest;
import io.consentgate.schema.Verdict;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.KeyedCoProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decision operator: per subject key, it orders sends (input 1) and consent events (input 2) by
 * event time, keeps the subject's ledger, and calls the engine for every send. The main output is
 * one {@link AuditEvent} per decision (and per retroactive-violation alert); approved and deferred
 * sends go to side outputs ({@link Descriptors#APPROVED}, {@link Descriptors#DEFERRED_SENDS}).
 *
 * <p>Why a {@link KeyedCoProcessFunction} and not a process function over a union: the two inputs
 * keep their own types (no wrapper type in the hot path or in state), and Flink already gives a
 * two-input operator the minimum of both inputs' watermarks while ignoring an idle input, which is
 * exactly the "decide when both inputs have passed t" rule.
 *
 * <p>Event time: a record with a timestamp after the current watermark is buffered ({@link
 * Descriptors#PENDING}) with an event-time timer at its timestamp. When the timer fires, that
 * instant's consent events are applied first (arrival order), then the sends deferred to it are
 * decided again, then its sends are decided (arrival order): a withdrawal at t blocks a send at t.
 * A record at or behind the watermark is late: a consent event is applied at once (and a refusal
 * triggers the retroactive check), a send is decided at once on the current state and marked late.
 *
 * <p>State cleanup: every pending and deferred entry is removed by its own timer. One cleanup timer
 * per subject fires once every recorded send has left the dedupe window and every ALLOW the retro
 * window; it prunes the ledger (cleared when empty) and the recent ALLOWs, and re-arms itself only
 * if later sends extended the deadline. A subject with no refusal, consent or relationship on file
 * therefore leaves no state and no timer behind.
 */
public final class ComplianceFunction
        extends KeyedCoProcessFunction<String, SendRequest, ConsentEvent, AuditEvent>
        implements CheckpointedFunction {
    private static final long serialVersionUID = 1L;
    private static final Logger LOG = LoggerFactory.getLogger(ComplianceFunction.class);

    /** Consent events that can withdraw a permission an earlier ALLOW relied on. */
    static final EnumSet<ConsentEventType> REFUSALS =
            EnumSet.of(
                    ConsentEventType.CONSENT_WITHDRAWN,
                    ConsentEventType.OPT_OUT,
                    ConsentEventType.OBJECTION,
                    ConsentEventType.ERASURE,
                    ConsentEventType.SUPPRESSION_ADDED,
                    ConsentEventType.REGISTRY_LISTED);

    /**
     * Reasons ignored by the retroactive check: the send's own id is in the ledger (duplicate), and
     * quiet hours and frequency caps are about timing and history, not permission.
     */
    static final EnumSet<Reason> NOT_A_WITHDRAWAL =
            EnumSet.of(Reason.DUPLICATE_SEND, Reason.QUIET_HOURS, Reason.FREQUENCY_CAP);

    /**
     * What the operator needs from the job configuration.
     *
     * @param policyYaml the policy document, or null for the engine's default policy
     * @param retroWindowMillis how long an ALLOW stays subject to retroactive checks
     * @param maxRecentAllows how many recent ALLOWs are kept per subject
     * @param lateSends what to do with sends behind the watermark
     * @param sendsTopic source topic named in LATE_SEND dead letters
     */
    public record Settings(
            String policyYaml,
            long retroWindowMillis,
            int maxRecentAllows,
            FilterConfig.LateSends lateSends,
            String sendsTopic)
            implements Serializable {

        public static Settings of(FilterConfig config, String policyYaml) {
            return new Settings(
                    policyYaml,
                    config.retroWindow().toMillis(),
                    config.retroMaxAllows(),
                    config.lateSends(),
                    config.sendsTopic());
        }
    }

    private final Settings settings;

    private transient Policy policy;
    private transient ValueState<byte[]> ledgerState;
    private transient MapState<Long, PendingAtTime> pending;
    private transient MapState<Long, DeferredAtTime> deferred;
    private transient ValueState<RecentAllows> recentAllows;
    private transient ValueState<Housekeeping> housekeeping;
    private transient ListState<Long> pendingCountState;
    private transient ListState<Long> deferredCountState;
    private transient ListState<Long> watermarkState;
    private transient long pendingCount;
    private transient long deferredCount;

    /** The watermark checkpointed before a restore (the sources start again from none). */
    private transient long restoredWatermark;

    /** The highest watermark this subtask has seen, checkpointed. */
    private transient long seenWatermark;

    private transient FilterMetrics metrics;

    public ComplianceFunction(Settings settings) {
        this.settings = settings;
    }

    @Override
    public void open(OpenContext openContext) throws PolicyException {
        policy =
                settings.policyYaml() == null
                        ? Policy.defaultPolicy()
                        : Policy.fromYaml(settings.policyYaml());
        ledgerState = getRuntimeContext().getState(Descriptors.LEDGER);
        pending = getRuntimeContext().getMapState(Descriptors.PENDING);
        deferred = getRuntimeContext().getMapState(Descriptors.DEFERRED);
        recentAllows = getRuntimeContext().getState(Descriptors.RECENT_ALLOWS);
        housekeeping = getRuntimeContext().getState(Descriptors.HOUSEKEEPING);
        metrics =
                new FilterMetrics(
                        getRuntimeContext().getMetricGroup(),
                        () -> pendingCount,
                        () -> deferredCount);
        LOG.info("Deciding with policy {} version {}", policy.id(), policy.version());
    }

    // ---- Inputs ----

    @Override
    public void processElement1(SendRequest send, Context ctx, Collector<AuditEvent> out)
            throws Exception {
        long at = send.getRequestedAt().toEpochMilli();
        long watermark = watermark(ctx);
        if (at > watermark) {
            buffer(at, null, send, ctx);
            return;
        }
        metrics.lateSend();
        if (settings.lateSends() == FilterConfig.LateSends.DEAD_LETTER) {
            deadLetter(
                    send,
                    DeadLetterCodes.LATE_SEND,
                    "requestedAt is behind the watermark "
                            + watermark
                            + " (late.sends=DEAD_LETTER)",
                    ctx);
            return;
        }
        SubjectLedger ledger = loadLedger();
        decide(send, ledger, true, ctx, out);
        storeLedger(ledger);
    }

    @Override
    public void processElement2(ConsentEvent event, Context ctx, Collector<AuditEvent> out)
            throws Exception {
        long at = event.getOccurredAt().toEpochMilli();
        if (at > watermark(ctx)) {
            buffer(at, event, null, ctx);
            return;
        }
        // Late: it still governs every later send, so it is applied now, after events that
        // happened later (the ledger is applied in arrival order from here on).
        metrics.lateConsentEvent();
        SubjectLedger ledger = loadLedger();
        ledger.apply(event);
        if (REFUSALS.contains(event.getType())) {
            checkRetroactively(event, ledger, out);
        }
        storeLedger(ledger);
    }

    private void buffer(long at, ConsentEvent event, SendRequest send, Context ctx)
            throws Exception {
        PendingAtTime entry = pending.get(at);
        if (entry == null) {
            entry = new PendingAtTime(new ArrayList<>(), new ArrayList<>());
            ctx.timerService().registerEventTimeTimer(at);
        }
        if (event != null) {
            entry.getConsents().add(event);
        } else {
            entry.getSends().add(send);
        }
        pending.put(at, entry);
        pendingCount++;
    }

    /**
     * The watermark lateness is judged against: the operator's, or the one checkpointed before a
     * restore if that is higher. After a restore the sources start without a watermark; without
     * this, a record that was late before the failure would be buffered as if on time, and the
     * retroactive alert and late flag would depend on where the job failed.
     */
    private long watermark(Context ctx) {
        long w = Math.max(ctx.timerService().currentWatermark(), restoredWatermark);
        if (w > seenWatermark) {
            seenWatermark = w;
        }
        return w;
    }

    // ---- Timers ----

    @Override
    public void onTimer(long at, OnTimerContext ctx, Collector<AuditEvent> out) throws Exception {
        watermark(ctx);
        PendingAtTime due = pending.get(at);
        DeferredAtTime deferredDue = deferred.get(at);
        Housekeeping hk = housekeeping.value();
        boolean cleanupDue = hk != null && hk.getTimerAt() == at;
        if (due == null && deferredDue == null && !cleanupDue) {
            return;
        }
        SubjectLedger ledger = loadLedger();
        if (due != null) {
            pending.remove(at);
            pendingCount -= due.getConsents().size() + due.getSends().size();
            for (ConsentEvent event : due.getConsents()) {
                ledger.apply(event);
            }
        }
        if (deferredDue != null) {
            deferred.remove(at);
            deferredCount -= deferredDue.getSends().size();
            for (SendRequest send : deferredDue.getSends()) {
                redecide(send, at, ledger, ctx, out);
            }
        }
        if (due != null) {
            for (SendRequest send : due.getSends()) {
                decide(send, ledger, false, ctx, out);
            }
        }
        if (cleanupDue) {
            cleanUp(at, ledger, ctx);
        }
        storeLedger(ledger);
    }

    // ---- Decisions ----

    private void decide(
            SendRequest send,
            SubjectLedger ledger,
            boolean late,
            Context ctx,
            Collector<AuditEvent> out)
            throws Exception {
        long at = send.getRequestedAt().toEpochMilli();
        Decision d;
        try {
            d = DecisionEngine.decide(send, ledger, policy);
        } catch (RuntimeException e) {
            engineFailed(send, e, ctx);
            return;
        }
        ledger.recordSend(send, d);
        String id = Records.decisionId(send, at, DecisionKind.DECISION, d);
        out.collect(Records.decision(send, d, id, at, late, false));
        metrics.decided(send, d, ctx.timerService().currentProcessingTime() - at);
        route(send, d, id, at, false, ledger, ctx, out);
    }

    /** Decides a deferred send again at its notBefore, against the state as of then. */
    private void redecide(
            SendRequest send, long at, SubjectLedger ledger, Context ctx, Collector<AuditEvent> out)
            throws Exception {
        Decision d;
        try {
            d = DecisionEngine.redecide(send, at, ledger, policy);
        } catch (RuntimeException e) {
            engineFailed(send, e, ctx);
            return;
        }
        ledger.recordSend(send, d);
        String id = Records.decisionId(send, at, DecisionKind.REDECISION, d);
        out.collect(Records.decision(send, d, id, at, false, true));
        metrics.decided(send, d, ctx.timerService().currentProcessingTime() - at);
        metrics.redecided();
        route(send, d, id, at, true, ledger, ctx, out);
    }

    /**
     * The engine threw on a send: fail closed without stopping the job. The send is never approved;
     * it goes to the dead-letter topic (a restart would only fail on it again).
     */
    private void engineFailed(SendRequest send, RuntimeException e, Context ctx) {
        LOG.error(
                "Policy {} v{} failed to decide a send; it is dead-lettered ({})",
                policy.id(),
                policy.version(),
                DeadLetterCodes.DECISION_FAILED,
                e);
        deadLetter(
                send,
                DeadLetterCodes.DECISION_FAILED,
                "the decision engine failed: " + e.getClass().getName(),
                ctx);
    }

    private void deadLetter(SendRequest send, String code, String message, Context ctx) {
        ctx.output(
                Descriptors.DEAD_LETTERS,
                Records.deadLetter(send, settings.sendsTopic(), code, message));
        metrics.deadLetters().count(code);
    }

    private void route(
            SendRequest send,
            Decision d,
            String decisionId,
            long decidedAt,
            boolean redecision,
            SubjectLedger ledger,
            Context ctx,
            Collector<AuditEvent> out)
            throws Exception {
        long sentAt = send.getRequestedAt().toEpochMilli();
        if (d.verdict() == Verdict.ALLOW) {
            ctx.output(Descriptors.APPROVED, Records.approved(send, d, decisionId));
            rememberAllow(send, decidedAt, redecision);
            scheduleCleanup(
                    Math.max(deadline(sentAt), decidedAt + settings.retroWindowMillis() + 1), ctx);
        } else {
            scheduleCleanup(deadline(sentAt), ctx);
        }
        if (d.verdict() == Verdict.DEFER) {
            ctx.output(Descriptors.DEFERRED_SENDS, Records.deferred(send, d, decisionId));
            hold(send, d.notBefore(), decidedAt, ledger, ctx, out);
        }
    }

    /** Keeps a deferred send until event time reaches notBefore. */
    private void hold(
            SendRequest send,
            long notBefore,
            long decidedAt,
            SubjectLedger ledger,
            Context ctx,
            Collector<AuditEvent> out)
            throws Exception {
        if (notBefore <= decidedAt) {
            // The engine must defer into the future; holding this would loop. Fail closed: the
            // send stays deferred (audited as such) and is never approved.
            LOG.error(
                    "Policy {} v{} deferred a send to {} <= its decision time {}; not held",
                    policy.id(),
                    policy.version(),
                    notBefore,
                    decidedAt);
            return;
        }
        if (notBefore <= watermark(ctx)) {
            // Already passed (a late send): decide again at once, on the current state.
            redecide(send, notBefore, ledger, ctx, out);
            return;
        }
        DeferredAtTime entry = deferred.get(notBefore);
        if (entry == null) {
            entry = new DeferredAtTime(new ArrayList<>());
            ctx.timerService().registerEventTimeTimer(notBefore);
        }
        entry.getSends().add(send);
        deferred.put(notBefore, entry);
        deferredCount++;
    }

    // ---- Retroactive violations ----

    private void rememberAllow(SendRequest send, long decidedAt, boolean redecision)
            throws Exception {
        RecentAllows recent = recentAllows.value();
        if (recent == null) {
            recent = new RecentAllows(new ArrayList<>());
        }
        // A copy: lists read back from state are Avro arrays, which cannot remove via iterators.
        List<RecentAllow> allows = new ArrayList<>(recent.getAllows());
        SendRequest withoutPayload = SendRequest.newBuilder(send).setPayload(null).build();
        int i = allows.size();
        while (i > 0 && allows.get(i - 1).getDecidedAt() > decidedAt) {
            i--;
        }
        allows.add(i, new RecentAllow(withoutPayload, decidedAt, redecision));
        if (allows.size() > settings.maxRecentAllows()) {
            allows = allows.subList(allows.size() - settings.maxRecentAllows(), allows.size());
        }
        recent.setAllows(new ArrayList<>(allows));
        recentAllows.update(recent);
    }

    /**
     * After a late refusal at t: decides every recent ALLOW at or after t again on the updated
     * ledger and emits one alert listing those that would now be blocked.
     */
    private void checkRetroactively(
            ConsentEvent event, SubjectLedger ledger, Collector<AuditEvent> out) throws Exception {
        RecentAllows recent = recentAllows.value();
        if (recent == null) {
            return;
        }
        long t = event.getOccurredAt().toEpochMilli();
        List<String> affected = new ArrayList<>();
        EnumSet<Reason> reasons = EnumSet.noneOf(Reason.class);
        for (RecentAllow allow : recent.getAllows()) {
            if (allow.getDecidedAt() < t) {
                continue;
            }
            Decision now =
                    allow.getRedecision()
                            ? DecisionEngine.redecide(
                                    allow.getSend(), allow.getDecidedAt(), ledger, policy)
                            : DecisionEngine.decide(allow.getSend(), ledger, policy);
            if (now.verdict() == Verdict.ALLOW) {
                continue;
            }
            boolean withdrawn = false;
            for (Reason r : now.reasons()) {
                if (!NOT_A_WITHDRAWAL.contains(r)) {
                    reasons.add(r);
                    withdrawn = true;
                }
            }
            if (withdrawn) {
                affected.add(allow.getSend().getMessageId());
            }
        }
        if (!affected.isEmpty()) {
            out.collect(
                    Records.retroactiveViolation(
                            event, affected, new ArrayList<>(reasons), policy));
            metrics.retroactiveViolation();
        }
    }

    // ---- Cleanup ----

    /** When a send recorded at {@code sentAt} leaves the dedupe window. */
    private long deadline(long sentAt) {
        return sentAt + policy.dedupeWindowMillis() + 1;
    }

    private void scheduleCleanup(long dueAt, Context ctx) throws Exception {
        Housekeeping hk = housekeeping.value();
        if (hk == null) {
            ctx.timerService().registerEventTimeTimer(dueAt);
            housekeeping.update(new Housekeeping(dueAt, dueAt));
        } else if (dueAt > hk.getDueAt()) {
            // The registered timer stays; when it fires it re-arms at the new deadline.
            hk.setDueAt(dueAt);
            housekeeping.update(hk);
        }
    }

    private void cleanUp(long at, SubjectLedger ledger, Context ctx) throws Exception {
        ledger.prune(at, policy);
        RecentAllows recent = recentAllows.value();
        if (recent != null) {
            long horizon = at - settings.retroWindowMillis();
            List<RecentAllow> kept = new ArrayList<>(recent.getAllows());
            kept.removeIf(a -> a.getDecidedAt() < horizon);
            if (kept.isEmpty()) {
                recentAllows.clear();
            } else if (kept.size() < recent.getAllows().size()) {
                recent.setAllows(kept);
                recentAllows.update(recent);
            }
        }
        Housekeeping hk = housekeeping.value();
        if (hk.getDueAt() > at) {
            ctx.timerService().registerEventTimeTimer(hk.getDueAt());
            hk.setTimerAt(hk.getDueAt());
            housekeeping.update(hk);
        } else {
            housekeeping.clear();
        }
    }

    // ---- Ledger ----

    private SubjectLedger loadLedger() throws Exception {
        byte[] bytes = ledgerState.value();
        return bytes == null ? SubjectLedger.empty() : SubjectLedger.fromBytes(bytes);
    }

    private void storeLedger(SubjectLedger ledger) throws Exception {
        if (ledger.isEmpty()) {
            ledgerState.clear();
        } else {
            ledgerState.update(ledger.toBytes());
        }
    }

    // ---- Operator state: gauge counts and the watermark ----

    @Override
    public void snapshotState(FunctionSnapshotContext context) throws Exception {
        pendingCountState.update(List.of(pendingCount));
        deferredCountState.update(List.of(deferredCount));
        watermarkState.update(List.of(seenWatermark));
    }

    @Override
    public void initializeState(FunctionInitializationContext context) throws Exception {
        pendingCountState = context.getOperatorStateStore().getListState(Descriptors.PENDING_COUNT);
        deferredCountState =
                context.getOperatorStateStore().getListState(Descriptors.DEFERRED_COUNT);
        pendingCount = 0;
        for (Long n : pendingCountState.get()) {
            pendingCount += n;
        }
        deferredCount = 0;
        for (Long n : deferredCountState.get()) {
            deferredCount += n;
        }
        // Union state: every subtask sees every subtask's watermark and takes the lowest, so
        // nothing is judged late that some subtask had not yet passed.
        watermarkState = context.getOperatorStateStore().getUnionListState(Descriptors.WATERMARK);
        long lowest = Long.MAX_VALUE;
        boolean any = false;
        for (Long w : watermarkState.get()) {
            lowest = Math.min(lowest, w);
            any = true;
        }
        restoredWatermark = any ? lowest : Long.MIN_VALUE;
        seenWatermark = restoredWatermark;
    }

    /** Buffered consent events and sends on this subtask (for tests and the gauge). */
    long pendingCount() {
        return pendingCount;
    }

    /** Deferred sends held on this subtask. */
    long deferredCount() {
        return deferredCount;
    }
}
