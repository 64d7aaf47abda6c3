package io.consentgate.filter;

import io.consentgate.filter.internal.SubjectInput;
import io.consentgate.schema.AuditEvent;
import io.consentgate.schema.PolicyDocument;
import java.util.List;
import org.apache.flink.streaming.api.operators.co.CoBroadcastWithKeyedOperator;

/**
 * Flink's keyed-broadcast operator running {@link ComplianceFunction}, with interruptible timer
 * firing.
 *
 * <p>When the watermark jumps (a catch-up: the consent history read, then the buffered sends
 * released), millions of event-time timers come due at once. Flink's operator fires them in one
 * uninterruptible loop, and nothing else happens on the task meanwhile: no checkpoint, so under
 * exactly-once no output becomes visible and a checkpoint can expire (measured: a 2M-send,
 * 1M-subject catch-up showed no decision for minutes while one subtask fired timers). With
 * interruptible timers the loop yields to the task's mailbox between timers, so checkpoints (and
 * the exactly-once commits) keep their cadence. Timers still fire in timestamp order and the
 * watermark goes downstream after the last one; records that arrive meanwhile are ahead of the
 * watermark (buffered as always) or late (handled at once, as always). Flink enables it only
 * together with unaligned checkpoints ({@code
 * execution.checkpointing.unaligned.interruptible-timers.enabled}), which {@link
 * ComplianceFilterJob#flinkConfiguration} sets for exactly-once.
 *
 * <p>{@code BroadcastConnectedStream.process} offers no way to choose the operator, so the job
 * connects the keyed inputs with the broadcast policy stream as plain connected streams and
 * transforms them with this operator: the same operator class, state and uid as before.
 */
final class DecideOperator
        extends CoBroadcastWithKeyedOperator<String, SubjectInput, PolicyDocument, AuditEvent> {
    private static final long serialVersionUID = 1L;

    DecideOperator(ComplianceFunction function) {
        super(function, List.of(Descriptors.POLICIES));
    }

    @Override
    public boolean useInterruptibleTimers() {
        return true;
    }
}
