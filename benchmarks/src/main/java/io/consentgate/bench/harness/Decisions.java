package io.consentgate.bench.harness;

import io.consentgate.filter.SubjectKey;
import io.consentgate.schema.AuditEvent;
import io.consentgate.schema.Reason;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The decisions of one variant, one entry per send (verdict, lawful basis, reasons in order), kept
 * compactly so that another variant's decisions can be checked against them send by send.
 */
final class Decisions {
    /** What a mismatch looked like, for the report. */
    record Mismatch(String messageId, long requestedAt, String expected, String actual) {}

    private static final int MAX_EXAMPLES = 20;

    private final Map<String, Integer> tupleIds = new HashMap<>();
    private final List<String> tuples = new ArrayList<>();
    private final LongLongMap bySend;
    private final Map<io.consentgate.schema.Verdict, Long> verdicts =
            new EnumMap<>(io.consentgate.schema.Verdict.class);
    private long count;

    Decisions(int expected) {
        this.bySend = new LongLongMap(expected);
    }

    /** The key of one send's decision: message id and requested-at (duplicates differ in it). */
    static long key(String messageId, long requestedAt) {
        return LongLongMap.mix(LongLongMap.hash(messageId) ^ LongLongMap.mix(requestedAt));
    }

    static String tuple(AuditEvent e) {
        StringBuilder sb = new StringBuilder();
        sb.append(e.getVerdict()).append(' ').append(e.getBasis()).append(" [");
        List<Reason> reasons = e.getReasons();
        for (int i = 0; i < reasons.size(); i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append(reasons.get(i));
        }
        return sb.append(']').toString();
    }

    /** Records a decision; returns its occurrence number for this key (0 unless repeated). */
    int add(AuditEvent e) {
        count++;
        verdicts.merge(e.getVerdict(), 1L, Long::sum);
        return bySend.putOccurrence(
                key(e.getMessageId(), e.getEventTime().toEpochMilli()), tupleId(tuple(e)));
    }

    private long tupleId(String tuple) {
        Integer id = tupleIds.get(tuple);
        if (id == null) {
            id = tuples.size();
            tupleIds.put(tuple, id);
            tuples.add(tuple);
        }
        return id;
    }

    long count() {
        return count;
    }

    Map<io.consentgate.schema.Verdict, Long> verdicts() {
        return verdicts;
    }

    /** Checks another variant's decisions, one at a time, against these. */
    final class Check {
        private final java.util.function.LongUnaryOperator tiedSince;
        long compared;
        long matched;
        long mismatched;
        long explainedByTies;
        long unexpected;
        final List<Mismatch> examples = new ArrayList<>();

        /**
         * @param tiedSince subject hash to the instant from which a tie excuses a difference
         */
        Check(java.util.function.LongUnaryOperator tiedSince) {
            this.tiedSince = tiedSince;
        }

        void check(AuditEvent e) {
            long key = key(e.getMessageId(), e.getEventTime().toEpochMilli());
            String actual = tuple(e);
            long expected = -1;
            long slot = 0;
            for (int n = 0; ; n++) {
                long k = LongLongMap.occurrence(key, n);
                long v = bySend.get(k, Long.MIN_VALUE);
                if (v == Long.MIN_VALUE) {
                    break;
                }
                if (v >= 0) { // not consumed by an earlier check
                    expected = v;
                    slot = k;
                    break;
                }
            }
            if (expected < 0) {
                unexpected++;
                if (examples.size() < MAX_EXAMPLES) {
                    examples.add(
                            new Mismatch(
                                    e.getMessageId(),
                                    e.getEventTime().toEpochMilli(),
                                    "(no decision)",
                                    actual));
                }
                return;
            }
            bySend.put(slot, -1 - expected);
            compared++;
            String expectedTuple = tuples.get((int) expected);
            if (expectedTuple.equals(actual)) {
                matched++;
                return;
            }
            long subject =
                    LongLongMap.mix(
                            LongLongMap.hash(SubjectKey.bytes(e.getTenantId(), e.getSubjectId())));
            if (tiedSince.applyAsLong(subject) <= e.getEventTime().toEpochMilli()) {
                explainedByTies++;
                return;
            }
            mismatched++;
            if (examples.size() < MAX_EXAMPLES) {
                examples.add(
                        new Mismatch(
                                e.getMessageId(),
                                e.getEventTime().toEpochMilli(),
                                expectedTuple,
                                actual));
            }
        }

        /** Decisions of the reference that the checked variant never made. */
        long missing() {
            return count - compared;
        }

        boolean agrees() {
            return mismatched == 0 && unexpected == 0 && missing() == 0;
        }
    }
}
