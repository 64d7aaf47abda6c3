package io.consentgate.filter;

import io.consentgate.filter.internal.DecodedConsent;
import io.consentgate.filter.internal.DecodedPolicy;
import io.consentgate.filter.internal.DecodedSend;
import io.consentgate.filter.internal.SubjectInput;
import io.consentgate.schema.DeadLetter;
import io.consentgate.schema.PolicyDocument;
import org.apache.flink.api.common.functions.OpenContext;
import org.apache.flink.streaming.api.functions.ProcessFunction;
import org.apache.flink.util.Collector;

/**
 * Splits a decoded input stream: valid records continue, dead letters go to {@link
 * Descriptors#DEAD_LETTERS} and are counted by error code. Sends and consent events continue as
 * {@link SubjectInput}, the decision operator's one keyed input. Stateless.
 */
final class RouteDeadLetters {
    private RouteDeadLetters() {}

    /** Splits the sends input. */
    static final class Sends extends ProcessFunction<DecodedSend, SubjectInput> {
        private static final long serialVersionUID = 1L;
        private transient DeadLetterMetrics metrics;

        @Override
        public void open(OpenContext openContext) {
            metrics = new DeadLetterMetrics(getRuntimeContext().getMetricGroup());
        }

        @Override
        public void processElement(DecodedSend in, Context ctx, Collector<SubjectInput> out) {
            DeadLetter deadLetter = in.getDeadLetter();
            if (deadLetter != null) {
                ctx.output(Descriptors.DEAD_LETTERS, deadLetter);
                metrics.count(deadLetter.getErrorCode());
            } else {
                out.collect(new SubjectInput(in.getSend(), null));
            }
        }
    }

    /** Splits the consent input. */
    static final class Consents extends ProcessFunction<DecodedConsent, SubjectInput> {
        private static final long serialVersionUID = 1L;
        private transient DeadLetterMetrics metrics;

        @Override
        public void open(OpenContext openContext) {
            metrics = new DeadLetterMetrics(getRuntimeContext().getMetricGroup());
        }

        @Override
        public void processElement(DecodedConsent in, Context ctx, Collector<SubjectInput> out) {
            DeadLetter deadLetter = in.getDeadLetter();
            if (deadLetter != null) {
                ctx.output(Descriptors.DEAD_LETTERS, deadLetter);
                metrics.count(deadLetter.getErrorCode());
            } else {
                out.collect(new SubjectInput(null, in.getEvent()));
            }
        }
    }

    /** Splits the policy input. */
    static final class Policies extends ProcessFunction<DecodedPolicy, PolicyDocument> {
        private static final long serialVersionUID = 1L;
        private transient DeadLetterMetrics metrics;

        @Override
        public void open(OpenContext openContext) {
            metrics = new DeadLetterMetrics(getRuntimeContext().getMetricGroup());
        }

        @Override
        public void processElement(DecodedPolicy in, Context ctx, Collector<PolicyDocument> out) {
            DeadLetter deadLetter = in.getDeadLetter();
            if (deadLetter != null) {
                ctx.output(Descriptors.DEAD_LETTERS, deadLetter);
                metrics.count(deadLetter.getErrorCode());
            } else {
                out.collect(in.getDocument());
            }
        }
    }
}
