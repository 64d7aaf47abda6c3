package io.consentgate.filter;

import io.consentgate.filter.internal.DecodedConsent;
import io.consentgate.filter.internal.DecodedPolicy;
import io.consentgate.filter.internal.DecodedSend;
import java.io.Serializable;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.BoundedOutOfOrdernessWatermarks;
import org.apache.flink.api.common.eventtime.WatermarkGenerator;
import org.apache.flink.api.common.eventtime.WatermarkOutput;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.apache.flink.api.common.eventtime.WatermarksWithIdleness;

/**
 * Watermark strategies of the inputs, applied per Kafka partition by the source: bounded
 * out-of-orderness on the event time (requestedAt, occurredAt, a policy's effectiveFrom), and
 * idleness so that a quiet partition (typically of the consent or policy topic) does not stall
 * decisions.
 *
 * <p>The policy input's watermark takes part in the decision operator's, so that while the policy
 * topic is being read (on a replay, say) no send at t is decided before every version effective at
 * or before t has been read; once idle it holds nothing back.
 *
 * <p>Dead letters carry the Kafka record timestamp but are invisible to the generator: they neither
 * advance the watermark nor count as activity for idleness, so a partition of garbage cannot push
 * the watermark past valid records still in flight.
 */
public final class InputWatermarks {
    private InputWatermarks() {}

    public static WatermarkStrategy<DecodedSend> forSends(Duration bound, Duration idleness) {
        return WatermarkStrategy.<DecodedSend>forGenerator(
                        ctx ->
                                new ValidOnly<>(
                                        new WatermarksWithIdleness<>(
                                                new BoundedOutOfOrdernessWatermarks<>(bound),
                                                idleness,
                                                ctx.getInputActivityClock()),
                                        d -> d.getSend() != null))
                .withTimestampAssigner(
                        (d, recordTimestamp) ->
                                d.getSend() != null
                                        ? d.getSend().getRequestedAt().toEpochMilli()
                                        : recordTimestamp);
    }

    public static WatermarkStrategy<DecodedConsent> forConsent(Duration bound, Duration idleness) {
        return WatermarkStrategy.<DecodedConsent>forGenerator(
                        ctx ->
                                new ValidOnly<>(
                                        new WatermarksWithIdleness<>(
                                                new BoundedOutOfOrdernessWatermarks<>(bound),
                                                idleness,
                                                ctx.getInputActivityClock()),
                                        d -> d.getEvent() != null))
                .withTimestampAssigner(
                        (d, recordTimestamp) ->
                                d.getEvent() != null
                                        ? d.getEvent().getOccurredAt().toEpochMilli()
                                        : recordTimestamp);
    }

    public static WatermarkStrategy<DecodedPolicy> forPolicies(Duration bound, Duration idleness) {
        return WatermarkStrategy.<DecodedPolicy>forGenerator(
                        ctx ->
                                new ValidOnly<>(
                                        new WatermarksWithIdleness<>(
                                                new BoundedOutOfOrdernessWatermarks<>(bound),
                                                idleness,
                                                ctx.getInputActivityClock()),
                                        d -> d.getDocument() != null))
                .withTimestampAssigner(
                        (d, recordTimestamp) ->
                                d.getDocument() != null
                                        ? d.getDocument().getEffectiveFrom().toEpochMilli()
                                        : recordTimestamp);
    }

    /** The alignment group of the sends and consent sources. */
    static final String ALIGNMENT_GROUP = "consentgate-inputs";

    /**
     * Holds the sends source back to the consent source: a sends partition whose watermark runs
     * more than {@code maxDrift} ahead of the slowest active partition of either input is paused
     * until the others catch up. Without it, a catch-up (a first start on a consent history, a
     * restart after downtime, a replay) reads the sends topic far ahead of the consent topic, and
     * every send read early waits in keyed state until the consent history behind it has been read;
     * with it, at most about {@code maxDrift} of sends is buffered. Idle partitions do not hold the
     * group back. {@code maxDrift} zero: no alignment.
     */
    public static <T> WatermarkStrategy<T> alignedSends(
            WatermarkStrategy<T> strategy, Duration maxDrift) {
        return maxDrift.isZero()
                ? strategy
                : strategy.withWatermarkAlignment(ALIGNMENT_GROUP, maxDrift, UPDATE_INTERVAL);
    }

    /**
     * The consent source's part in the alignment: it reports its watermark to the group (which
     * paces the sends) but is itself never paused. A consent history is sparse in event time
     * (years, a few events per subject): pausing its partitions against each other moved each one
     * forward by about the drift per second of wall time, which read a years-long history at under
     * one core.
     */
    public static <T> WatermarkStrategy<T> alignedConsent(
            WatermarkStrategy<T> strategy, Duration sendsMaxDrift) {
        return sendsMaxDrift.isZero()
                ? strategy
                : strategy.withWatermarkAlignment(ALIGNMENT_GROUP, NEVER_PAUSED, UPDATE_INTERVAL);
    }

    /** How often the group's slowest watermark is announced to the readers. */
    private static final Duration UPDATE_INTERVAL = Duration.ofSeconds(1);

    /** A drift no watermark reaches (the coordinator saturates the sum at the maximum). */
    private static final Duration NEVER_PAUSED = Duration.ofMillis(Long.MAX_VALUE);

    /** Says whether a wrapper holds a valid record (rather than a dead letter). */
    interface IsValid<T> extends Serializable {
        boolean test(T element);
    }

    /** Passes only valid records to the wrapped generator. */
    static final class ValidOnly<T> implements WatermarkGenerator<T> {
        private final WatermarkGenerator<T> inner;
        private final IsValid<T> isValid;

        ValidOnly(WatermarkGenerator<T> inner, IsValid<T> isValid) {
            this.inner = inner;
            this.isValid = isValid;
        }

        @Override
        public void onEvent(T event, long eventTimestamp, WatermarkOutput output) {
            if (isValid.test(event)) {
                inner.onEvent(event, eventTimestamp, output);
            }
        }

        @Override
        public void onPeriodicEmit(WatermarkOutput output) {
            inner.onPeriodicEmit(output);
        }
    }
}
