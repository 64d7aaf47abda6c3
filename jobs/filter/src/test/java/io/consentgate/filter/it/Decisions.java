package io.consentgate.filter.it;

import io.consentgate.engine.Decision;
import io.consentgate.filter.it.KafkaTestIo.Out;
import io.consentgate.replay.DecidedSend;
import io.consentgate.schema.AuditEvent;
import io.consentgate.schema.AuditKind;
import io.consentgate.schema.Basis;
import io.consentgate.schema.Reason;
import io.consentgate.schema.Verdict;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Lines up the job's audit events with the decisions {@code ScenarioRunner} (what {@code evaluate}
 * prints) makes for the same history, and describes both sides of a mismatch.
 *
 * <p>Sends are matched by subject, message id and occurrence (the n-th send with that id for that
 * subject in applied order): within one subject the job decides in event-time order, consent first,
 * then arrival order, so its n-th first decision is the runner's n-th.
 */
final class Decisions {
    private Decisions() {}

    /** Decision audits that are not re-decisions of deferred sends. */
    static boolean isFirstDecision(AuditEvent a) {
        return a.getKind() == AuditKind.DECISION && !a.getRedecision();
    }

    static boolean isRedecision(AuditEvent a) {
        return a.getKind() == AuditKind.DECISION && a.getRedecision();
    }

    /**
     * The job's first decisions, grouped by {@code group} and then by subject, message id and
     * occurrence. {@code audit} is in partition-then-offset order, which for one subject is the
     * order the job decided in.
     */
    static <G> Map<G, Map<String, AuditEvent>> firstDecisions(
            List<Out<AuditEvent>> audit, Function<AuditEvent, G> group) {
        List<AuditEvent> first = new ArrayList<>();
        for (Out<AuditEvent> o : audit) {
            if (isFirstDecision(o.value())) {
                first.add(o.value());
            }
        }
        // Stable: equal event times keep the job's own order.
        first.sort(Comparator.comparing(AuditEvent::getEventTime));
        Map<G, Map<String, AuditEvent>> out = new LinkedHashMap<>();
        Map<String, Integer> seen = new HashMap<>();
        for (AuditEvent a : first) {
            G g = group.apply(a);
            String id = a.getSubjectId() + "/" + a.getMessageId();
            int n = seen.merge(g + "|" + id, 1, Integer::sum);
            out.computeIfAbsent(g, k -> new LinkedHashMap<>()).put(id + "#" + n, a);
        }
        return out;
    }

    /**
     * The runner's decisions keyed like {@link #firstDecisions}: subject, message id, occurrence.
     */
    static Map<String, DecidedSend> expected(List<DecidedSend> decided) {
        Map<String, DecidedSend> out = new LinkedHashMap<>();
        Map<String, Integer> seen = new HashMap<>();
        for (DecidedSend d : decided) {
            String id = d.send().getSubjectId() + "/" + d.messageId();
            int n = seen.merge(id, 1, Integer::sum);
            out.put(id + "#" + n, d);
        }
        return out;
    }

    /**
     * Every difference between the runner's and the job's first decisions, one line each, prefixed
     * with {@code label}; empty when they agree on every send.
     */
    static List<String> compare(
            String label, Map<String, DecidedSend> expected, Map<String, AuditEvent> actual) {
        List<String> problems = new ArrayList<>();
        for (Map.Entry<String, DecidedSend> e : expected.entrySet()) {
            AuditEvent a = actual.get(e.getKey());
            Decision d = e.getValue().decision();
            if (a == null) {
                problems.add(
                        label
                                + ": send "
                                + e.getKey()
                                + ": evaluate="
                                + describe(d)
                                + " | job=(no decision)");
                continue;
            }
            List<String> differ = differences(d, a);
            if (!differ.isEmpty()) {
                problems.add(
                        label
                                + ": send "
                                + e.getKey()
                                + " differs in "
                                + differ
                                + ": evaluate="
                                + describe(d)
                                + " | job="
                                + describe(a));
            }
        }
        for (Map.Entry<String, AuditEvent> e : actual.entrySet()) {
            if (!expected.containsKey(e.getKey())) {
                problems.add(
                        label
                                + ": send "
                                + e.getKey()
                                + ": evaluate=(no such send) | job="
                                + describe(e.getValue()));
            }
        }
        return problems;
    }

    /** The fields in which the job's audit differs from the engine's decision. */
    static List<String> differences(Decision d, AuditEvent a) {
        List<String> differ = new ArrayList<>();
        if (d.verdict() != a.getVerdict()) {
            differ.add("verdict");
        }
        if (basis(d) != a.getBasis()) {
            differ.add("basis");
        }
        if (d.primaryReason() != primaryReason(a)) {
            differ.add("reason");
        }
        if (d.verdict() == Verdict.DEFER
                && (a.getNotBefore() == null || a.getNotBefore().toEpochMilli() != d.notBefore())) {
            differ.add("notBefore");
        }
        if (a.getLate()) {
            differ.add("late (the job saw the send behind the watermark)");
        }
        return differ;
    }

    static Basis basis(Decision d) {
        return d.basis() == null ? Basis.NONE : d.basis();
    }

    static Reason primaryReason(AuditEvent a) {
        return a.getReasons().isEmpty() ? null : a.getReasons().get(0);
    }

    static String describe(Decision d) {
        return d.verdict()
                + " basis="
                + basis(d)
                + " reason="
                + d.primaryReason()
                + (d.verdict() == Verdict.DEFER
                        ? " notBefore=" + Instant.ofEpochMilli(d.notBefore())
                        : "");
    }

    static String describe(AuditEvent a) {
        return a.getVerdict()
                + " basis="
                + a.getBasis()
                + " reason="
                + primaryReason(a)
                + (a.getVerdict() == Verdict.DEFER ? " notBefore=" + a.getNotBefore() : "")
                + (a.getLate() ? " late" : "")
                + " at="
                + a.getEventTime();
    }
}
