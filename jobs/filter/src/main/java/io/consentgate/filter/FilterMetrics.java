package io.consentgate.filter;

import io.consentgate.engine.Decision;
import io.consentgate.schema.Channel;
import io.consentgate.schema.Reason;
import io.consentgate.schema.SendRequest;
import io.consentgate.schema.Verdict;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Map;
import java.util.function.LongSupplier;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.runtime.metrics.DescriptiveStatisticsHistogram;

/**
 * The decision operator's metrics, under the operator's group {@code consentgate}: decisions by
 * verdict, primary reason, channel and jurisdiction (key-value groups, so reporters such as
 * Prometheus turn them into labels), decision lag, buffer gauges, late consent events and sends,
 * and retroactive violations. Counters are created on first use and cached, so a record costs map
 * lookups, not string building.
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
    private final DeadLetterMetrics deadLetters;

    FilterMetrics(MetricGroup operatorGroup, LongSupplier pending, LongSupplier deferred) {
        this.group = operatorGroup.addGroup("consentgate");
        this.decisionLagMillis =
                group.histogram("decisionLagMillis", new DescriptiveStatisticsHistogram(10_000));
        this.lateConsentEvents = group.counter("lateConsentEvents");
        this.lateSends = group.counter("lateSends");
        this.retroactiveViolations = group.counter("retroactiveViolations");
        this.redecisions = group.counter("redecisions");
        group.gauge("pendingRecords", pending::getAsLong);
        group.gauge("deferredSends", deferred::getAsLong);
        this.deadLetters = new DeadLetterMetrics(operatorGroup);
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

    DeadLetterMetrics deadLetters() {
        return deadLetters;
    }
}
