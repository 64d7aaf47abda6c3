package io.consentgate.filter;

import io.consentgate.engine.Decision;
import io.consentgate.schema.Channel;
import io.consentgate.schema.Reason;
import io.consentgate.schema.SendRequest;
import io.consentgate.schema.Verdict;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.function.IntSupplier;
import java.util.function.LongSupplier;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * The decision operator's metrics, under the operator's group {@code consentgate}: decisions by
 * verdict, primary reason, channel and jurisdiction (key-value groups, so reporters such as
 * Prometheus turn them into labels), decision lag, buffer gauges, late consent events and sends,
 * retroactive violations, and the policies: the versions deciding and shadowing, shadow decisions
 * and disagreements (their ratio is the shadow's disagreement rate), and policy alerts. Counters
 * are created on first use and cached, so a record costs map lookups, not string building.
 */
final class FilterMetrics {
    /** Jurisdictions beyond this many distinct values are counted under "OTHER". */
    static final int MAX_JURISDICTIONS = 300;

    private static final String DECISIONS = "decisions";

    private final MetricGroup group;
    private final Map<Verdict, Counter> byVerdict = new EnumMap<>(Verdict.class);
    private final Map<Reason, Counter> byReason = new EnumMap<>(Reason.class);
    private final Map<Channel, Counter> byChannel = new EnumMap<>(Channel.class);
    private final Map<String, Counter> byJurisdiction = new HashMap<>();
    private final Histogram decisionLagMillis;
    private final Counter lateConsentEvents;
    private final Counter lateSends;
    private final Counter retroactiveViolations;
    private final Counter redecisions;
    private final Counter shadowDecisions;
    private final Counter shadowDisagreements;
    private final Counter shadowFailures;
    private final Counter policyActivations;
    private final Counter policyRejections;
    private final DeadLetterMetrics deadLetters;

    FilterMetrics(MetricGroup operatorGroup, LongSupplier pending, LongSupplier deferred) {
        this.group = operatorGroup.addGroup("consentgate");
        this.decisionLagMillis =
                group.histogram("decisionLagMillis", new DescriptiveStatisticsHistogram(10_000));
        this.lateConsentEvents = group.counter("lateConsentEvents");
        this.lateSends = group.counter("lateSends");
        this.retroactiveViolations = group.counter("retroactiveViolations");
        this.redecisions = group.counter("redecisions");
        this.shadowDecisions = group.counter("shadowDecisions");
        this.shadowDisagreements = group.counter("shadowDisagreements");
        this.shadowFailures = group.counter("shadowFailures");
        this.policyActivations = group.counter("policyActivations");
        this.policyRejections = group.counter("policyRejections");
        group.gauge("pendingRecords", pending::getAsLong);
        group.gauge("deferredSends", deferred::getAsLong);
        this.deadLetters = new DeadLetterMetrics(operatorGroup);
    }

    /**
     * Gauges of the policy versions in use: the active policy's version that made this subtask's
     * latest decision (the configured one before any), and the shadow's (-1 when none).
     */
    void policyGauges(IntSupplier activeVersion, IntSupplier shadowVersion) {
        group.gauge("activePolicyVersion", activeVersion::getAsInt);
        group.gauge("shadowPolicyVersion", shadowVersion::getAsInt);
    }

    /**
     * Counts one decision; {@code lagMillis} is processing time minus the decision's event time.
     */
    void decided(SendRequest send, Decision d, long lagMillis) {
        byVerdict
                .computeIfAbsent(
                        d.verdict(), v -> group.addGroup("verdict", v.name()).counter(DECISIONS))
                .inc();
        Reason primary = d.primaryReason();
        if (primary != null) {
            byReason.computeIfAbsent(
                            primary, r -> group.addGroup("reason", r.name()).counter(DECISIONS))
                    .inc();
        }
        Channel channel = send.getChannel();
        if (channel != null) {
            byChannel
                    .computeIfAbsent(
                            channel, c -> group.addGroup("channel", c.name()).counter(DECISIONS))
                    .inc();
        }
        jurisdiction(send.getJurisdiction()).inc();
        decisionLagMillis.update(Math.max(0, lagMillis));
    }

    private Counter jurisdiction(String j) {
        Counter c = byJurisdiction.get(j);
        if (c == null) {
            // Bounded: a producer sending garbage jurisdictions must not explode the metrics.
            String label = j == null || byJurisdiction.size() >= MAX_JURISDICTIONS ? "OTHER" : j;
            c =
                    byJurisdiction.computeIfAbsent(
                            label, l -> group.addGroup("jurisdiction", l).counter(DECISIONS));
        }
        return c;
    }

    void redecided() {
        redecisions.inc();
    }

    void lateConsentEvent() {
        lateConsentEvents.inc();
    }

    void lateSend() {
        lateSends.inc();
    }

    void retroactiveViolation() {
        retroactiveViolations.inc();
    }

    /** Counts one shadow decision, and a disagreement when its verdict differs. */
    void shadowDecided(Verdict active, Verdict shadow) {
        shadowDecisions.inc();
        if (active != shadow) {
            shadowDisagreements.inc();
        }
    }

    /** The shadow policy threw on a send (the active decision is unaffected). */
    void shadowFailed() {
        shadowFailures.inc();
    }

    /** A policy version was accepted (counted where the alert is emitted: subtask 0). */
    void policyActivated() {
        policyActivations.inc();
    }

    /** A policy document was rejected (counted where the alert is emitted: subtask 0). */
    void policyRejected() {
        policyRejections.inc();
    }

    long shadowDisagreements() {
        return shadowDisagreements.getCount();
    }

    long shadowDecisions() {
        return shadowDecisions.getCount();
    }

    DeadLetterMetrics deadLetters() {
        return deadLetters;
    }
}
