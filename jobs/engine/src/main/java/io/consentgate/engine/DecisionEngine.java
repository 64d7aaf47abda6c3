package io.consentgate.engine;

import io.consentgate.schema.SendRequest;

/** The law as a pure function: no clock, no I/O, no Flink. */
public final class DecisionEngine {
    private DecisionEngine() {}

    /**
     * Decides a send against the subject's ledger as of the send's requested-at time. Does not
     * change the ledger: callers record the send afterwards with {@link SubjectLedger#recordSend}.
     */
    public static Decision decide(SendRequest send, SubjectLedger ledger, Policy policy) {
        throw new UnsupportedOperationException("not yet");
    }
}
