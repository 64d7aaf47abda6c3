package io.consentgate.engine.testing;

import io.consentgate.engine.Decision;
import io.consentgate.engine.DecisionEngine;
import io.consentgate.engine.Policy;
import io.consentgate.engine.SubjectLedger;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.SendRequest;

/** Small helpers to decide a send against a history in one line. */
public final class Ledgers {
    private Ledgers() {}

    public static SubjectLedger ledgerOf(ConsentEvent... events) {
        SubjectLedger ledger = SubjectLedger.empty();
        for (ConsentEvent e : events) {
            ledger.apply(e);
        }
        return ledger;
    }

    public static Decision decide(SendRequest send, ConsentEvent... history) {
        return DecisionEngine.decide(send, ledgerOf(history), Policy.defaultPolicy());
    }
}
