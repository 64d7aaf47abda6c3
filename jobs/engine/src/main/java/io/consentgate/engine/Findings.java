package io.consentgate.engine;

import io.consentgate.schema.Basis;
import io.consentgate.schema.Reason;
import java.util.ArrayList;
import java.util.List;

/**
 * What the rules found for one send: the failing reasons (a bit set over {@link Reason}, whose
 * declaration order is the precedence order), the basis found, the ids of the events behind them,
 * and a DEFER's notBefore.
 */
final class Findings {
    private static final Reason[] REASONS = Reason.values();

    private long reasons;
    private final ArrayList<String> eventIds = new ArrayList<>(4);
    Basis basis = Basis.NONE;
    long notBefore = -1;

    void fail(Reason reason) {
        reasons |= 1L << reason.ordinal();
    }

    void fail(Reason reason, String eventId) {
        fail(reason);
        cite(eventId);
    }

    void cite(String eventId) {
        if (eventId != null && !eventIds.contains(eventId)) {
            eventIds.add(eventId);
        }
    }

    boolean has(Reason reason) {
        return (reasons & (1L << reason.ordinal())) != 0;
    }

    boolean blocked() {
        return (reasons & ~(1L << Reason.QUIET_HOURS.ordinal())) != 0;
    }

    boolean any() {
        return reasons != 0;
    }

    List<Reason> reasons() {
        if (reasons == 0) {
            return List.of();
        }
        Reason[] out = new Reason[Long.bitCount(reasons)];
        int n = 0;
        for (long r = reasons; r != 0; r &= r - 1) {
            out[n++] = REASONS[Long.numberOfTrailingZeros(r)];
        }
        return List.of(out);
    }

    List<String> eventIds() {
        return eventIds.isEmpty() ? List.of() : List.copyOf(eventIds);
    }
}
