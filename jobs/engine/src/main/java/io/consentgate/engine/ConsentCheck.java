package io.consentgate.engine;

import io.consentgate.schema.ConsentEventType;
import io.consentgate.schema.EvidenceMethod;
import io.consentgate.schema.Reason;

/**
 * The matching consents for one send, classified (FORMAT.md "Valid consent"): the latest valid one,
 * the latest valid written one (US), and the highest-precedence flaw of the others. A consent
 * before the last matching refusal is void and has no flaws to report.
 */
final class ConsentCheck {
    final String validId;
    final String writtenId;
    final Reason flaw;

    private ConsentCheck(String validId, String writtenId, Reason flaw) {
        this.validId = validId;
        this.writtenId = writtenId;
        this.flaw = flaw;
    }

    // GDPR Art 4(11), Art 6(1)(a), Art 7(1), Recital 32; CASL s.10(1); 47 CFR 64.1200(f)(9).
    static ConsentCheck of(Facts f) {
        String valid = null;
        String written = null;
        Reason worst = null;
        for (int i = f.lastRefusal + 1; i < f.events.size(); i++) {
            LedgerEvent e = f.events.get(i);
            if (e.type != ConsentEventType.CONSENT_GRANTED || !Scope.matches(e, f.send)) {
                continue;
            }
            Reason flaw = flawOf(e, f);
            if (flaw == null) {
                valid = e.id;
                if (e.method == EvidenceMethod.WRITTEN_SIGNED
                        || e.method == EvidenceMethod.ELECTRONIC_SIGNATURE) {
                    written = e.id;
                }
            } else if (worst == null || flaw.ordinal() < worst.ordinal()) {
                worst = flaw;
            }
        }
        return new ConsentCheck(valid, written, worst);
    }

    private static Reason flawOf(LedgerEvent e, Facts f) {
        Reason invalid = f.invalidMethod(e);
        if (invalid != null) {
            return invalid;
        }
        if (!e.hasCompleteEvidence()) {
            return Reason.NO_CONSENT_EVIDENCE;
        }
        // EU/GB only: consent must be refreshed (ICO guidance; policy consentRefreshMonths).
        // CASL express consent does not expire; US rules set no age.
        if (f.gdpr() && !f.within(e.at, f.policy.consentRefreshMonths())) {
            return Reason.CONSENT_STALE;
        }
        return null;
    }
}
