package io.consentgate.filter;

import io.consentgate.filter.internal.DecodedConsent;
import io.consentgate.filter.internal.DecodedSend;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.DeadLetter;
import io.consentgate.schema.SendRequest;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Splits a decoded input stream: valid records continue, dead letters go to {@link
 * Descriptors#DEAD_LETTERS} and are counted by error code. Stateless.
 */
final class RouteDeadLetters {
    private RouteDeadLetters() {}

    /** Splits the sends input. */
    static final class Sends extends ProcessFunction<DecodedSend, SendRequest> {
        private static final long serialVersionUID = 1L;
        private transient DeadLetterMetrics metrics;

        @Override
        public void open(OpenContext openContext) {
            metrics = new DeadLetterMetrics(getRuntimeContext().getMetricGroup());
        }

        @Override
        public void processElement(DecodedSend in, Context ctx, Collector<SendRequest> out) {
            DeadLetter deadLetter = in.getDeadLetter();
            if (deadLetter != null) {
                ctx.output(Descriptors.DEAD_LETTERS, deadLetter);
                metrics.count(deadLetter.getErrorCode());
            } else {
                out.collect(in.getSend());
            }
        }
    }

    /** Splits the consent input. */
    static final class Consents extends ProcessFunction<DecodedConsent, ConsentEvent> {
        private static final long serialVersionUID = 1L;
        private transient DeadLetterMetrics metrics;

        @Override
        public void open(OpenContext openContext) {
            metrics = new DeadLetterMetrics(getRuntimeContext().getMetricGroup());
        }

        @Override
        public void processElement(DecodedConsent in, Context ctx, Collector<ConsentEvent> out) {
            DeadLetter deadLetter = in.getDeadLetter();
            if (deadLetter != null) {
                ctx.output(Descriptors.DEAD_LETTERS, deadLetter);
                metrics.count(deadLetter.getErrorCode());
            } else {
                out.collect(in.getEvent());
            }
        }
    }
}
