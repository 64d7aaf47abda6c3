package io.consentgate.filter;

import io.consentgate.engine.Decision;
import io.consentgate.engine.DecisionEngine;
import io.consentgate.engine.Policy;
import io.consentgate.engine.PolicyException;
import io.consentgate.engine.SubjectLedger;
import io.consentgate.filter.Records.DecisionKind;
import io.consentgate.filter.internal.DeferredAtTime;
import io.consentgate.filter.internal.PendingAtTime;
import io.consentgate.filter.internal.PolicyVersions;
import io.consentgate.filter.internal.RecentAllow;
import io.consentgate.filter.internal.SubjectInput;
import io.consentgate.filter.io.DeadLetterCodes;
import io.consentgate.schema.AuditEvent;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.ConsentEventType;
import io.consentgate.schema.PolicyDocument;
import io.consentgate.schema.Reason;
import io.consentgate.schema.SendRequest;
import io.consentgate.schema.Verdict;
import java.io.IOException;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.api.common.state.BroadcastState;
import org.apache.flink.api.common.state.ListState;
import org.apache.flink.api.common.state.MapState;
import org.apache.flink.api.common.state.ValueState;
import org.apache.flink.runtime.state.FunctionInitializationContext;
import org.apache.flink.runtime.state.FunctionSnapshotContext;
import org.apache.flink.streaming.api.checkpoint.CheckpointedFunction;
import org.apache.flink.streaming.api.functions.co.KeyedBroadcastProcessFunction;
import org.apache.flink.util.Collector;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The decision operator: per subject key, it orders sends and consent events by event time, keeps
 * the subject's ledger, and calls the engine for every send with the policy version in force at the
 * send's time. The main output is one {@link AuditEvent} per decision (and per
 * retroactive-violation or policy alert); approved and deferred sends go to side outputs ({@link
 * Descriptors#APPROVED}, {@link Descriptors#DEFERRED_SENDS}).
 *
 * <p>Why one keyed input of {@link SubjectInput} (a send or a consent event) and a broadcast input,
 * rather than the keyed two-input operator this used to be: policy documents must reach every
 * subtask and live in broadcast state, and Flink connects a keyed stream with a broadcast stream
 * only as a two-input operator ({@link KeyedBroadcastProcessFunction}); a third input would need
 * the low-level multiple-input operator API, which has no broadcast state. So the sends and consent
 * routers emit one small Avro wrapper (one union-index byte per record, nothing in state) and their
 * streams are united. Semantics are unchanged: the operator's watermark is still the minimum over
 * every channel of both inputs with idle channels ignored (now also over the policy input, see
 * {@link InputWatermarks}), and each channel keeps its order. The keyed state, timers and operator
 * state are the same as before (same names and serializers), so the operator keeps its uid (a
 * snapshot of the earlier operator was restored into this one and continued identically).
 *
 * <p>Policies (DESIGN section 5): the configured policy (and shadow policy) plus the versions
 * accepted from the policy topic form a {@link PolicyTimeline} per id. A send decided at t (its
 * requestedAt, or notBefore for a re-decision) uses the highest version effective at or before t,
 * never simply the latest to arrive, so replays decide alike. Every subtask checks every document
 * the same way, so the broadcast state stays identical; only subtask 0 emits the POLICY_ACTIVATED /
 * POLICY_REJECTED alert. A rejected document changes nothing. A version that arrives after the
 * watermark passed its effectiveFrom is still accepted (for every send decided from then on) and
 * its alert is marked late: sends already decided keep their decisions. The shadow policy is
 * decided beside the active one for every send; its verdict and version go into the audit event,
 * and it never decides.
 *
 * <p>Event time: a record with a timestamp after the current watermark is buffered ({@link
 * Descriptors#PENDING}) with an event-time timer at its timestamp. When the timer fires, that
 * instant's consent events are applied first (arrival order), then the sends deferred to it are
 * decided again, then its sends are decided (arrival order): a withdrawal at t blocks a send at t.
 * A record at or behind the watermark is late: a consent event is applied at once (and a refusal
 * triggers the retroactive check), a send is decided at once on the current state and marked late.
 *
 * <p>State cleanup: every pending and deferred entry is removed by its own timer. One cleanup timer
 * per subject, registered with its first send, prunes the ledger (cleared when empty) and the
 * recent ALLOWs, then re-arms itself at the next time a remembered send leaves the dedupe window or
 * an ALLOW the retro window, derived from what is left. A subject with no refusal, consent or
 * relationship on file therefore leaves no state and no timer behind.
 *
 * <p>State access per send (the operator's main cost): the send is buffered in the pending map with
 * a timer unless it is late; when decided, one read and one write of the subject's {@link
 * SubjectState} (ledger and bookkeeping in one value), and for an ALLOW an append to the
 * recent-ALLOW list.
 */
public final class ComplianceFunction
        extends KeyedBroadcastProcessFunction<String, SubjectInput, PolicyDocument, AuditEvent>
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

    /** Versions kept per policy id unless configured otherwise. */
    static final int DEFAULT_MAX_POLICY_VERSIONS = 16;

    /**
     * What the operator needs from the job configuration.
     *
     * @param policyYaml the policy document, or null for the engine's default policy
     * @param shadowPolicyYaml the shadow policy document, or null for none
     * @param shadowPolicyId the shadow policy's id (for documents on the policy topic), or null for
     *     the id of {@code shadowPolicyYaml} (no shadow when both are null)
     * @param maxPolicyVersions versions kept per policy id from the policy topic
     * @param retroWindowMillis how long an ALLOW stays subject to retroactive checks
     * @param maxRecentAllows how many recent ALLOWs are kept per subject
     * @param lateSends what to do with sends behind the watermark
     * @param sendsTopic source topic named in LATE_SEND dead letters
     */
    public record Settings(
            String policyYaml,
            String shadowPolicyYaml,
            String shadowPolicyId,
            int maxPolicyVersions,
            long retroWindowMillis,
            int maxRecentAllows,
            FilterConfig.LateSends lateSends,
            String sendsTopic)
            implements Serializable {

        /** Settings without a shadow policy, keeping the default number of versions (16). */
        public Settings(
                String policyYaml,
                long retroWindowMillis,
                int maxRecentAllows,
                FilterConfig.LateSends lateSends,
                String sendsTopic) {
            this(
                    policyYaml,
                    null,
                    null,
                    DEFAULT_MAX_POLICY_VERSIONS,
                    retroWindowMillis,
                    maxRecentAllows,
                    lateSends,
                    sendsTopic);
        }

        /** Reads the policy files the configuration names. */
        public static Settings of(FilterConfig config) throws IOException {
            return new Settings(
                    config.policyYaml(),
                    config.shadowPolicyYaml(),
                    config.shadowPolicyId().isEmpty() ? null : config.shadowPolicyId(),
                    config.policyMaxVersions(),
                    config.retroWindow().toMillis(),
                    config.retroMaxAllows(),
                    config.lateSends(),
                    config.sendsTopic());
        }

        /** The same settings with a shadow policy (either argument may be null). */
        public Settings withShadow(String yaml, String id) {
            return new Settings(
                    policyYaml,
                    yaml,
                    id,
                    maxPolicyVersions,
                    retroWindowMillis,
                    maxRecentAllows,
                    lateSends,
                    sendsTopic);
        }

        /**
         * The configured policies, parsed and checked against each other.
         *
         * @throws PolicyException a document is invalid (the message names the field), or the
         *     shadow's id is the active policy's or differs from its file's
         */
        public Configured configured() throws PolicyException {
            Policy active =
                    policyYaml == null ? Policy.defaultPolicy() : Policy.fromYaml(policyYaml);
            Policy shadow = shadowPolicyYaml == null ? null : Policy.fromYaml(shadowPolicyYaml);
            String shadowId =
                    shadowPolicyId != null ? shadowPolicyId : shadow == null ? null : shadow.id();
            if (shadow != null && !shadow.id().equals(shadowId)) {
                throw new PolicyException(
                        "policy.shadow.id '"
                                + shadowId
                                + "' differs from the id '"
                                + shadow.id()
                                + "' of the shadow policy file");
            }
            if (active.id().equals(shadowId)) {
                throw new PolicyException(
                        "the shadow policy's id '"
                                + shadowId
                                + "' is the active policy's: a shadow needs its own id");
            }
            return new Configured(active, shadow, shadowId);
        }
    }

    /**
     * The configured policies.
     *
     * @param shadow the shadow policy file's policy, or null
     * @param shadowId the shadow policy's id, or null when there is no shadow
     */
    public record Configured(Policy active, Policy shadow, String shadowId) {}

    private final Settings settings;

    /** The active policy's versions; decides every send. */
    private transient PolicyTimeline active;

    /** The shadow policy's versions, or null when no shadow is configured. */
    private transient PolicyTimeline shadow;

    /** Versions of this subtask's latest decision and shadow decision, for the gauges. */
    private transient volatile int activeVersion;

    private transient volatile int shadowVersion;

    /** Only subtask 0 emits policy alerts: every subtask sees every document. */
    private transient boolean emitsPolicyAlerts;

    private transient ValueState<byte[]> subjectState;
    private transient MapState<Long, PendingAtTime> pending;
    private transient MapState<Long, DeferredAtTime> deferred;
    private transient ListState<RecentAllow> recentAllows;
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
    public void open(OpenContext openContext) {
        subjectState = getRuntimeContext().getState(Descriptors.SUBJECT);
        pending = getRuntimeContext().getMapState(Descriptors.PENDING);
        deferred = getRuntimeContext().getMapState(Descriptors.DEFERRED);
        recentAllows = getRuntimeContext().getListState(Descriptors.RECENT_ALLOWS);
        metrics =
                new FilterMetrics(
                        getRuntimeContext().getMetricGroup(),
                        () -> pendingCount,
                        () -> deferredCount);
        metrics.policyGauges(() -> activeVersion, () -> shadowVersion);
        emitsPolicyAlerts = getRuntimeContext().getTaskInfo().getIndexOfThisSubtask() == 0;
        LOG.info(
                "Deciding with policy {} (newest version {}), shadow {}",
                active.id(),
                active.newestVersion(),
                shadow == null
                        ? "none"
                        : shadow.id() + " (newest version " + shadow.newestVersion() + ")");
    }

    // ---- Inputs ----

    @Override
    public void processElement(SubjectInput input, ReadOnlyContext ctx, Collector<AuditEvent> out)
            throws Exception {
        if (input.getSend() != null) {
            onSend(input.getSend(), ctx, out);
        } else {
            onConsent(input.getConsent(), ctx, out);
        }
    }

    private void onSend(SendRequest send, ReadOnlyContext ctx, Collector<AuditEvent> out)
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
        SubjectState st = load();
        decide(send, st, true, ctx, out);
        store(st);
    }

    private void onConsent(ConsentEvent event, ReadOnlyContext ctx, Collector<AuditEvent> out)
            throws Exception {
        long at = event.getOccurredAt().toEpochMilli();
        if (at > watermark(ctx)) {
            buffer(at, event, null, ctx);
            return;
        }
        // Late: it still governs every later send, so it is applied now, after events that
        // happened later (the ledger is applied in arrival order from here on).
        metrics.lateConsentEvent();
        SubjectState st = load();
        st.ledger.apply(event);
        if (REFUSALS.contains(event.getType())) {
            checkRetroactively(event, st, out);
        }
        store(st);
    }

    private void buffer(long at, ConsentEvent event, SendRequest send, ReadOnlyContext ctx)
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
    private long watermark(ReadOnlyContext ctx) {
        return watermark(ctx.timerService().currentWatermark());
    }

    private long watermark(long operatorWatermark) {
        long w = Math.max(operatorWatermark, restoredWatermark);
        if (w > seenWatermark) {
            seenWatermark = w;
        }
        return w;
    }

    // ---- Policies ----

    /**
     * A document from the policy topic: accepted as a new version of the active or shadow policy,
     * or rejected (invalid, not newer, header and YAML disagree, unknown id) with nothing changed.
     */
    @Override
    public void processBroadcastElement(PolicyDocument doc, Context ctx, Collector<AuditEvent> out)
            throws Exception {
        long watermark = watermark(ctx.currentWatermark());
        PolicyTimeline timeline = timelineOf(doc.getPolicyId());
        PolicyTimeline.Checked checked =
                timeline != null
                        ? timeline.check(doc)
                        : new PolicyTimeline.Checked(
                                null,
                                "policyId '"
                                        + doc.getPolicyId()
                                        + "' is neither the active policy '"
                                        + active.id()
                                        + "' nor the shadow policy"
                                        + (shadow == null
                                                ? " (none configured)"
                                                : " '" + shadow.id() + "'"));
        if (!checked.accepted()) {
            AuditEvent alert = Records.policyRejected(doc, checked.problem());
            LOG.warn(
                    "Policy document {} v{} rejected, the previous version stays: {}",
                    doc.getPolicyId(),
                    doc.getVersion(),
                    alert.getDetail());
            if (emitsPolicyAlerts) {
                out.collect(alert);
                metrics.policyRejected();
            }
            return;
        }
        timeline.add(checked.policy());
        ctx.getBroadcastState(Descriptors.POLICIES)
                .put(timeline.id(), new PolicyVersions(timeline.documents()));
        boolean late = doc.getEffectiveFrom().toEpochMilli() <= watermark;
        Records.PolicyRole role =
                timeline == active ? Records.PolicyRole.ACTIVE : Records.PolicyRole.SHADOW;
        LOG.info(
                "Policy {} v{} accepted as {}, effective from {}{}",
                doc.getPolicyId(),
                doc.getVersion(),
                role,
                doc.getEffectiveFrom(),
                late ? " (late: already behind the watermark)" : "");
        if (emitsPolicyAlerts) {
            out.collect(Records.policyActivated(doc, role, late));
            metrics.policyActivated();
        }
    }

    private PolicyTimeline timelineOf(String policyId) {
        if (active.id().equals(policyId)) {
            return active;
        }
        return shadow != null && shadow.id().equals(policyId) ? shadow : null;
    }

    /**
     * The shadow policy's decision of a send the active policy just decided, on the same ledger
     * (before the send is recorded), or null when no shadow version is in force. It never throws: a
     * failing shadow must not touch the real decision.
     */
    private Decision shadowDecision(
            SendRequest send, long at, boolean redecision, SubjectLedger ledger, Decision d) {
        Policy p = shadow == null ? null : shadow.at(at);
        if (p == null) {
            return null;
        }
        Decision s;
        try {
            s =
                    redecision
                            ? DecisionEngine.redecide(send, at, ledger, p)
                            : DecisionEngine.decide(send, ledger, p);
        } catch (RuntimeException e) {
            metrics.shadowFailed();
            LOG.warn(
                    "Shadow policy {} v{} failed to decide a send ({})",
                    p.id(),
                    p.version(),
                    e.getClass().getName());
            return null;
        }
        shadowVersion = s.policyVersion();
        metrics.shadowDecided(d.verdict(), s.verdict());
        return s;
    }

    // ---- Timers ----

    @Override
    public void onTimer(long at, OnTimerContext ctx, Collector<AuditEvent> out) throws Exception {
        watermark(ctx);
        PendingAtTime due = pending.get(at);
        SubjectState st = load();
        // The deferred map is read only when this subject holds deferred sends (almost never).
        DeferredAtTime deferredDue = st.deferredInstants > 0 ? deferred.get(at) : null;
        boolean cleanupDue = st.cleanupTimerAt == at;
        if (due == null && deferredDue == null && !cleanupDue) {
            return;
        }
        if (due != null) {
            pending.remove(at);
            pendingCount -= due.getConsents().size() + due.getSends().size();
            for (ConsentEvent event : due.getConsents()) {
                st.ledger.apply(event);
            }
        }
        if (deferredDue != null) {
            deferred.remove(at);
            st.deferredInstants--;
            deferredCount -= deferredDue.getSends().size();
            for (SendRequest send : deferredDue.getSends()) {
                redecide(send, at, st, ctx, out);
            }
        }
        if (due != null) {
            for (SendRequest send : due.getSends()) {
                decide(send, st, false, ctx, out);
            }
        }
        if (cleanupDue) {
            cleanUp(at, st, ctx);
        }
        store(st);
    }

    // ---- Decisions ----

    private void decide(
            SendRequest send,
            SubjectState st,
            boolean late,
            ReadOnlyContext ctx,
            Collector<AuditEvent> out)
            throws Exception {
        long at = send.getRequestedAt().toEpochMilli();
        Policy policy = active.at(at);
        Decision d;
        try {
            d = DecisionEngine.decide(send, st.ledger, policy);
        } catch (RuntimeException e) {
            engineFailed(send, policy, e, ctx);
            return;
        }
        Decision shadowed = shadowDecision(send, at, false, st.ledger, d);
        st.ledger.recordSend(send, d);
        String id = Records.decisionId(send, at, DecisionKind.DECISION, d);
        out.collect(Records.decision(send, d, id, at, late, false, shadowed));
        activeVersion = d.policyVersion();
        metrics.decided(send, d, ctx.timerService().currentProcessingTime() - at);
        route(send, d, policy, id, at, false, st, ctx, out);
    }

    /** Decides a deferred send again at its notBefore, against the state as of then. */
    private void redecide(
            SendRequest send,
            long at,
            SubjectState st,
            ReadOnlyContext ctx,
            Collector<AuditEvent> out)
            throws Exception {
        Policy policy = active.at(at);
        Decision d;
        try {
            d = DecisionEngine.redecide(send, at, st.ledger, policy);
        } catch (RuntimeException e) {
            engineFailed(send, policy, e, ctx);
            return;
        }
        Decision shadowed = shadowDecision(send, at, true, st.ledger, d);
        st.ledger.recordSend(send, d);
        String id = Records.decisionId(send, at, DecisionKind.REDECISION, d);
        out.collect(Records.decision(send, d, id, at, false, true, shadowed));
        activeVersion = d.policyVersion();
        metrics.decided(send, d, ctx.timerService().currentProcessingTime() - at);
        metrics.redecided();
        route(send, d, policy, id, at, true, st, ctx, out);
    }

    /**
     * The engine threw on a send: fail closed without stopping the job. The send is never approved;
     * it goes to the dead-letter topic (a restart would only fail on it again).
     */
    private void engineFailed(
            SendRequest send, Policy policy, RuntimeException e, ReadOnlyContext ctx) {
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

    private void deadLetter(SendRequest send, String code, String message, ReadOnlyContext ctx) {
        ctx.output(
                Descriptors.DEAD_LETTERS,
                Records.deadLetter(send, settings.sendsTopic(), code, message));
        metrics.deadLetters().count(code);
    }

    private void route(
            SendRequest send,
            Decision d,
            Policy policy,
            String decisionId,
            long decidedAt,
            boolean redecision,
            SubjectState st,
            ReadOnlyContext ctx,
            Collector<AuditEvent> out)
            throws Exception {
        boolean allowed = d.verdict() == Verdict.ALLOW;
        long dueAt = deadline(send.getRequestedAt().toEpochMilli(), policy);
        if (allowed) {
            ctx.output(Descriptors.APPROVED, Records.approved(send, d, decisionId));
            dueAt = Math.max(dueAt, decidedAt + settings.retroWindowMillis() + 1);
        }
        // A cleanup timer already registered derives the next one from the ledger and the recent
        // ALLOWs when it fires, so a later deadline needs nothing here.
        if (st.cleanupTimerAt == SubjectState.NO_TIMER) {
            ctx.timerService().registerEventTimeTimer(dueAt);
            st.cleanupTimerAt = dueAt;
        }
        if (allowed) {
            rememberAllow(send, decidedAt, redecision, st);
        }
        if (d.verdict() == Verdict.DEFER) {
            ctx.output(Descriptors.DEFERRED_SENDS, Records.deferred(send, d, decisionId));
            hold(send, d, decidedAt, st, ctx, out);
        }
    }

    /** Keeps a deferred send until event time reaches notBefore. */
    private void hold(
            SendRequest send,
            Decision d,
            long decidedAt,
            SubjectState st,
            ReadOnlyContext ctx,
            Collector<AuditEvent> out)
            throws Exception {
        long notBefore = d.notBefore();
        if (notBefore <= decidedAt) {
            // The engine must defer into the future; holding this would loop. Fail closed: the
            // send stays deferred (audited as such) and is never approved.
            LOG.error(
                    "Policy {} v{} deferred a send to {} <= its decision time {}; not held",
                    d.policyId(),
                    d.policyVersion(),
                    notBefore,
                    decidedAt);
            return;
        }
        if (notBefore <= watermark(ctx)) {
            // Already passed (a late send): decide again at once, on the current state.
            redecide(send, notBefore, st, ctx, out);
            return;
        }
        DeferredAtTime entry = st.deferredInstants > 0 ? deferred.get(notBefore) : null;
        if (entry == null) {
            entry = new DeferredAtTime(new ArrayList<>());
            ctx.timerService().registerEventTimeTimer(notBefore);
            st.deferredInstants++;
        }
        entry.getSends().add(send);
        deferred.put(notBefore, entry);
        deferredCount++;
    }

    // ---- Retroactive violations ----

    /** Oldest first by decision time (ties in the order decided). */
    private static final Comparator<RecentAllow> BY_DECISION_TIME =
            Comparator.comparingLong(RecentAllow::getDecidedAt);

    /**
     * Appends an ALLOW to the recent-ALLOW list: a RocksDB merge, no read. The list is compacted to
     * the configured maximum once it holds twice that many (amortized: one read and rewrite per
     * maximum-many ALLOWs); readers apply the maximum themselves, so what they see never depends on
     * when the list was compacted.
     */
    private void rememberAllow(
            SendRequest send, long decidedAt, boolean redecision, SubjectState st)
            throws Exception {
        recentAllows.add(new RecentAllow(withoutPayload(send), decidedAt, redecision));
        int max = settings.maxRecentAllows();
        if (st.allows + 1 > 2 * max) {
            List<RecentAllow> kept = readAllows();
            recentAllows.update(kept);
            st.allows = kept.size();
        } else {
            st.allows++;
        }
    }

    /** A shallow copy of the send without its payload (which the retroactive check never reads). */
    private static SendRequest withoutPayload(SendRequest send) {
        SendRequest copy = new SendRequest();
        int fields = SendRequest.getClassSchema().getFields().size();
        for (int i = 0; i < fields; i++) {
            copy.put(i, send.get(i));
        }
        copy.setPayload(null);
        return copy;
    }

    /** The recent ALLOWs, oldest first, at most the configured maximum (the latest ones). */
    private List<RecentAllow> readAllows() throws Exception {
        List<RecentAllow> allows = new ArrayList<>();
        Iterable<RecentAllow> stored = recentAllows.get();
        if (stored != null) {
            for (RecentAllow a : stored) {
                allows.add(a);
            }
        }
        allows.sort(BY_DECISION_TIME); // stable: ties keep the order they were decided in
        int max = settings.maxRecentAllows();
        return allows.size() <= max
                ? allows
                : new ArrayList<>(allows.subList(allows.size() - max, allows.size()));
    }

    /**
     * After a late refusal at t: decides every recent ALLOW at or after t again on the updated
     * ledger and emits one alert listing those that would now be blocked.
     */
    private void checkRetroactively(ConsentEvent event, SubjectState st, Collector<AuditEvent> out)
            throws Exception {
        SubjectLedger ledger = st.ledger;
        if (st.allows == 0) {
            return;
        }
        List<RecentAllow> recent = readAllows();
        long t = event.getOccurredAt().toEpochMilli();
        List<String> affected = new ArrayList<>();
        EnumSet<Reason> reasons = EnumSet.noneOf(Reason.class);
        for (RecentAllow allow : recent) {
            if (allow.getDecidedAt() < t) {
                continue;
            }
            // Re-decided with the version in force at its time, as known now (the one that
            // decided it, unless a version effective by then arrived late).
            Policy policy = active.at(allow.getDecidedAt());
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
                            event, affected, new ArrayList<>(reasons), active.at(t)));
            metrics.retroactiveViolation();
        }
    }

    // ---- Cleanup ----

    /** When a send recorded at {@code sentAt} leaves the dedupe window of {@code policy}. */
    private static long deadline(long sentAt, Policy policy) {
        return sentAt + policy.dedupeWindowMillis() + 1;
    }

    /**
     * The subject's cleanup timer fired: prunes the ledger and the recent ALLOWs, then re-arms at
     * the next time something leaves a window (derived from what is left); with nothing left to
     * expire, no timer remains (and the state is cleared when the ledger is empty too).
     */
    private void cleanUp(long at, SubjectState st, ReadOnlyContext ctx) throws Exception {
        SubjectLedger ledger = st.ledger;
        Policy policy = active.at(at);
        ledger.prune(at, policy);
        long next = -1;
        long lastSend = ledger.lastSendTime();
        if (lastSend >= 0) {
            next = deadline(lastSend, policy);
        }
        int kept = 0;
        if (st.allows > 0) {
            List<RecentAllow> allows = readAllows();
            int before = allows.size();
            long retro = settings.retroWindowMillis();
            allows.removeIf(a -> a.getDecidedAt() < at - retro);
            for (RecentAllow a : allows) {
                next = Math.max(next, a.getDecidedAt() + retro + 1);
            }
            kept = allows.size();
            if (kept == 0) {
                recentAllows.clear();
            } else if (kept < before || before < st.allows) {
                recentAllows.update(allows);
            }
        }
        st.allows = kept;
        if (next > at) {
            ctx.timerService().registerEventTimeTimer(next);
            st.cleanupTimerAt = next;
        } else {
            st.cleanupTimerAt = SubjectState.NO_TIMER;
        }
    }

    // ---- Subject state ----

    private SubjectState load() throws Exception {
        return SubjectState.fromBytes(subjectState.value());
    }

    private void store(SubjectState st) throws Exception {
        byte[] bytes = st.toBytes();
        if (bytes == null) {
            subjectState.clear();
        } else {
            subjectState.update(bytes);
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
        initializePolicies(context);
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

    /**
     * Builds the timelines: the configured policies, then the versions accepted earlier (restored
     * broadcast state). Stored versions are checked again: one this engine no longer accepts, one
     * with the configured version's number, and those of an id that is no longer the active or
     * shadow policy are dropped, with a log line.
     */
    private void initializePolicies(FunctionInitializationContext context) throws Exception {
        Configured configured = settings.configured();
        int max = settings.maxPolicyVersions();
        active = new PolicyTimeline(configured.active().id(), configured.active(), max);
        shadow =
                configured.shadowId() == null
                        ? null
                        : new PolicyTimeline(configured.shadowId(), configured.shadow(), max);
        activeVersion = configured.active().version();
        shadowVersion = configured.shadow() == null ? -1 : configured.shadow().version();

        BroadcastState<String, PolicyVersions> stored =
                context.getOperatorStateStore().getBroadcastState(Descriptors.POLICIES);
        List<String> ids = new ArrayList<>();
        for (Map.Entry<String, PolicyVersions> e : stored.entries()) {
            ids.add(e.getKey());
        }
        for (String id : ids) {
            PolicyTimeline timeline = timelineOf(id);
            if (timeline == null) {
                LOG.warn("Dropping stored versions of policy {}: no longer active or shadow", id);
                stored.remove(id);
                continue;
            }
            Policy configuredOfId = timeline == active ? configured.active() : configured.shadow();
            for (PolicyDocument doc : stored.get(id).getVersions()) {
                Policy p;
                try {
                    p = Policy.fromYaml(doc.getYaml());
                } catch (PolicyException e) {
                    LOG.error(
                            "Dropping stored policy {} v{}: no longer valid: {}",
                            id,
                            doc.getVersion(),
                            e.getMessage());
                    continue;
                }
                if (configuredOfId != null && p.version() == configuredOfId.version()) {
                    LOG.warn(
                            "Stored policy {} v{} is also configured; the configured one wins",
                            id,
                            p.version());
                    continue;
                }
                timeline.add(p);
            }
            stored.put(id, new PolicyVersions(timeline.documents()));
        }
    }

    /** Buffered consent events and sends on this subtask (for tests and the gauge). */
    long pendingCount() {
        return pendingCount;
    }

    /** Deferred sends held on this subtask. */
    long deferredCount() {
        return deferredCount;
    }

    /** Shadow decisions whose verdict differed from the active one, on this subtask. */
    long shadowDisagreements() {
        return metrics.shadowDisagreements();
    }

    /** Shadow decisions on this subtask. */
    long shadowDecisions() {
        return metrics.shadowDecisions();
    }
}
