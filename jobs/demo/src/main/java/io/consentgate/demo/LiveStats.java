package io.consentgate.demo;

import io.consentgate.schema.AuditEvent;
import io.consentgate.schema.AuditKind;
import io.consentgate.schema.DeadLetter;
import io.consentgate.schema.Reason;
import io.consentgate.schema.Verdict;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * What the live view shows, aggregated from the committed output topics: decisions by verdict and
 * primary reason, decision lag, dead letters, retroactive-violation alerts. Fed by one thread, read
 * through {@link #snapshot()} by another.
 *
 * <p>A send's first decision is the audit event of kind DECISION that is not a redecision; a
 * deferred send gets a second one (redecision) at its notBefore, counted apart. Decision lag is the
 * audit record's Kafka timestamp (written by the job's producer when it decided) minus the send's
 * requested-at time: first decisions only, since a redecision's event time is its notBefore.
 */
final class LiveStats {
    private static final long MAX_LAG_MS = 3_600_000L;
    private static final int RECENT_ALERTS = 3;

    /** Snapshots (about one a second) covered by the windowed lag. */
    static final int LAG_WINDOW_SNAPSHOTS = 30;

    /** An immutable copy for rendering. */
    record Snapshot(
            long firstDecisions,
            Map<Verdict, Long> verdicts,
            Map<Reason, Long> reasons,
            long redecisions,
            Map<Verdict, Long> redecisionVerdicts,
            long lateDecisions,
            Lag lagTotal,
            Lag lagRecent,
            Lag lagWindow,
            long deadLetters,
            Map<String, Long> deadLettersByTopic,
            Map<String, Long> deadLettersByCode,
            long retroAlerts,
            long retroAffectedSends,
            List<String> recentAlerts,
            long otherAuditEvents) {

        long verdict(Verdict v) {
            return verdicts.getOrDefault(v, 0L);
        }

        /** The most frequent primary reasons, most frequent first. */
        List<Map.Entry<Reason, Long>> topReasons(int n) {
            List<Map.Entry<Reason, Long>> l = new ArrayList<>(reasons.entrySet());
            l.sort(
                    Map.Entry.<Reason, Long>comparingByValue(Comparator.reverseOrder())
                            .thenComparing(Map.Entry.comparingByKey()));
            return l.subList(0, Math.min(n, l.size()));
        }
    }

    /** Lag percentiles in milliseconds; count 0 when nothing was measured. */
    record Lag(long count, long p50, long p99, long max) {
        static Lag of(Histogram h) {
            if (h.getTotalCount() == 0) {
                return new Lag(0, 0, 0, 0);
            }
            return new Lag(
                    h.getTotalCount(),
                    h.getValueAtPercentile(50),
                    h.getValueAtPercentile(99),
                    h.getMaxValue());
        }
    }

    private long firstDecisions;
    private final Map<Verdict, Long> verdicts = new EnumMap<>(Verdict.class);
    private final Map<Reason, Long> reasons = new EnumMap<>(Reason.class);
    private long redecisions;
    private final Map<Verdict, Long> redecisionVerdicts = new EnumMap<>(Verdict.class);
    private long lateDecisions;
    private final Histogram lagTotal = new Histogram(MAX_LAG_MS, 3);
    private final Histogram lagInterval = new Histogram(MAX_LAG_MS, 3);
    private Lag lastRecent = new Lag(0, 0, 0, 0);
    private final ArrayDeque<Histogram> lagWindow = new ArrayDeque<>();
    private long deadLetters;
    private final Map<String, Long> deadLettersByTopic = new TreeMap<>();
    private final Map<String, Long> deadLettersByCode = new TreeMap<>();
    private long retroAlerts;
    private long retroAffected;
    private final ArrayDeque<String> recentAlerts = new ArrayDeque<>();
    private long otherAudit;

    synchronized void audit(AuditEvent e, long recordTimestamp) {
        if (e.getKind() == AuditKind.DECISION && e.getVerdict() != null) {
            Verdict v = e.getVerdict();
            if (e.getRedecision()) {
                redecisions++;
                redecisionVerdicts.merge(v, 1L, Long::sum);
                return;
            }
            firstDecisions++;
            verdicts.merge(v, 1L, Long::sum);
            if (v != Verdict.ALLOW && !e.getReasons().isEmpty()) {
                reasons.merge(e.getReasons().get(0), 1L, Long::sum);
            }
            if (e.getLate()) {
                lateDecisions++;
            }
            long lag = recordTimestamp - e.getEventTime().toEpochMilli();
            long clamped = Math.max(0, Math.min(MAX_LAG_MS, lag));
            lagTotal.recordValue(clamped);
            lagInterval.recordValue(clamped);
        } else if (e.getKind() == AuditKind.RETROACTIVE_VIOLATION) {
            retroAlerts++;
            retroAffected += e.getAffectedMessageIds().size();
            recentAlerts.addFirst(
                    e.getAffectedMessageIds().size()
                            + " earlier ALLOW(s) of one subject now "
                            + (e.getReasons().isEmpty() ? "blocked" : e.getReasons().get(0)));
            while (recentAlerts.size() > RECENT_ALERTS) {
                recentAlerts.removeLast();
            }
        } else {
            otherAudit++;
        }
    }

    synchronized void deadLetter(DeadLetter d) {
        deadLetters++;
        deadLettersByTopic.merge(d.getSourceTopic(), 1L, Long::sum);
        deadLettersByCode.merge(d.getErrorCode(), 1L, Long::sum);
    }

    /**
     * A copy; the recent lag covers the decisions since the previous snapshot, the windowed lag
     * those of the last {@value #LAG_WINDOW_SNAPSHOTS} snapshots.
     */
    synchronized Snapshot snapshot() {
        if (lagInterval.getTotalCount() > 0) {
            lastRecent = Lag.of(lagInterval);
            lagWindow.addLast(lagInterval.copy());
            while (lagWindow.size() > LAG_WINDOW_SNAPSHOTS) {
                lagWindow.removeFirst();
            }
            lagInterval.reset();
        }
        Histogram window = new Histogram(MAX_LAG_MS, 3);
        lagWindow.forEach(window::add);
        return new Snapshot(
                firstDecisions,
                new EnumMap<>(copy(verdicts, Verdict.class)),
                new EnumMap<>(copy(reasons, Reason.class)),
                redecisions,
                new EnumMap<>(copy(redecisionVerdicts, Verdict.class)),
                lateDecisions,
                Lag.of(lagTotal),
                lastRecent,
                Lag.of(window),
                deadLetters,
                new LinkedHashMap<>(deadLettersByTopic),
                new LinkedHashMap<>(deadLettersByCode),
                retroAlerts,
                retroAffected,
                List.copyOf(recentAlerts),
                otherAudit);
    }

    private static <E extends Enum<E>> Map<E, Long> copy(Map<E, Long> m, Class<E> type) {
        Map<E, Long> c = new EnumMap<>(type);
        c.putAll(m);
        return c;
    }
}
