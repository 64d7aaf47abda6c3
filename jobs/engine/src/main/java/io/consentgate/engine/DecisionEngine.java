package io.consentgate.engine;

import io.consentgate.schema.Basis;
import io.consentgate.schema.Reason;
import io.consentgate.schema.SendRequest;
import io.consentgate.schema.Verdict;
import java.time.ZoneId;

/**
 * The law as a pure function: {@code (SendRequest, SubjectLedger, Policy) -> Decision}. No clock,
 * no I/O, no Flink. Every rule runs and records what fails; the verdict is BLOCK if anything but
 * quiet hours fails, DEFER if only quiet hours do, else ALLOW on the basis found. The exact
 * semantics are scenarios/FORMAT.md; each rule cites its source where it is defined.
 */
public final class DecisionEngine {
    private DecisionEngine() {}

    /**
     * Decides a send against the subject's ledger as of the send's requested-at time. Does not
     * change the ledger: callers record the send afterwards with {@link SubjectLedger#recordSend}.
     */
    public static Decision decide(SendRequest send, SubjectLedger ledger, Policy policy) {
        return decide(send, send.getRequestedAt().toEpochMilli(), ledger, policy, false);
    }

    /**
     * Decides a deferred send again at {@code atMillis} (its notBefore), against the ledger as of
     * then. The send's own earlier DEFER does not make it a duplicate of itself.
     */
    public static Decision redecide(
            SendRequest send, long atMillis, SubjectLedger ledger, Policy policy) {
        return decide(send, atMillis, ledger, policy, true);
    }

    private static Decision decide(
            SendRequest send, long at, SubjectLedger ledger, Policy policy, boolean redecision) {
        Facts f = new Facts(send, at, ledger, policy);
        Findings out = new Findings();
        SubjectRules.erasure(f, out);
        SubjectRules.duplicate(f, out, redecision);
        if (!f.marketing) {
            // Service messages need no marketing basis; only erasure and duplicates block them.
            if (!out.any()) {
                out.basis = Basis.NOT_REQUIRED_SERVICE;
            }
            return verdict(out, policy);
        }
        RefusalRules.check(f, out);
        SubjectRules.suppression(f, out);
        if (f.regime == null || f.channel == null || f.recipientType == null) {
            // Nothing to place the send under: fail closed.
            out.fail(Reason.UNKNOWN_JURISDICTION);
            ContentRules.check(f, out);
            return verdict(out, policy);
        }
        ConsentCheck consent = ConsentCheck.of(f);
        PreferenceRegistryRule.check(f, consent, out);
        ZoneId zone = CallingHours.apply(f) ? CallingHours.zone(f, out) : null;
        if (f.gdpr()) {
            GdprRules.children(f, out);
            GdprRules.art14Notice(f, out);
        }
        ContentRules.check(f, out);
        if (f.gdpr()) {
            GdprRules.objectionNotice(f, out);
        }
        LawfulBasisRules.check(f, consent, out);
        FrequencyCapRule.check(f, out);
        if (zone != null) {
            CallingHours.quietHours(f, zone, out);
        }
        return verdict(out, policy);
    }

    private static Decision verdict(Findings out, Policy policy) {
        if (!out.any() && out.basis == Basis.NONE) {
            out.fail(Reason.NO_LAWFUL_BASIS); // never ALLOW without a basis
        }
        Verdict verdict;
        if (out.blocked()) {
            verdict = Verdict.BLOCK;
        } else if (out.any()) {
            verdict = Verdict.DEFER;
        } else {
            verdict = Verdict.ALLOW;
        }
        return new Decision(
                verdict,
                out.reasons(),
                verdict == Verdict.ALLOW ? out.basis : Basis.NONE,
                out.eventIds(),
                policy.id(),
                policy.version(),
                verdict == Verdict.DEFER ? out.notBefore : -1);
    }
}
