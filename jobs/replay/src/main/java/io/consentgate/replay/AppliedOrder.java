package io.consentgate.replay;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * The order in which a history applies (scenarios/FORMAT.md, DESIGN section 2): by event time; on
 * equal times consent events before sends (a withdrawal at 10:00:00.000 blocks a send at
 * 10:00:00.000), then input order.
 */
public final class AppliedOrder {

    /**
     * Orders by time, then consent before send. Input order breaks remaining ties only in a stable
     * sort.
     */
    public static final Comparator<ScenarioEvent> COMPARATOR =
            comparator(ScenarioEvent::at, e -> e instanceof ScenarioEvent.Consent);

    private AppliedOrder() {}

    /** A new list of {@code events} in applied order; the input is not changed. */
    public static List<ScenarioEvent> sort(Collection<? extends ScenarioEvent> events) {
        return sort(events, ScenarioEvent::at, e -> e instanceof ScenarioEvent.Consent);
    }

    /**
     * Applied order for any event type, e.g. Avro records taken from topics: {@code at} gives the
     * event time, {@code isConsent} tells consent events from sends.
     */
    public static <T> List<T> sort(
            Collection<? extends T> events,
            Function<? super T, Instant> at,
            Predicate<? super T> isConsent) {
        List<T> sorted = new ArrayList<>(events);
        // List.sort is stable, so equal keys keep their input order.
        sorted.sort(comparator(at, isConsent));
        return sorted;
    }

    /** Time, then consent before send; combine with a stable sort to keep input order on ties. */
    public static <T> Comparator<T> comparator(
            Function<? super T, Instant> at, Predicate<? super T> isConsent) {
        return Comparator.<T, Instant>comparing(at)
                .thenComparingInt(e -> isConsent.test(e) ? 0 : 1);
    }
}
