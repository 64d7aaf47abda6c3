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

    /**
     * Decides a deferred send again at {@code atMillis} (its notBefore), against the ledger as of
     * then. The send's own earlier DEFER does not make it a duplicate of itself.
     */
    public static Decision redecide(
            SendRequest send, long atMillis, SubjectLedger ledger, Policy policy) {
        throw new UnsupportedOperationException("not yet");
    }
}
