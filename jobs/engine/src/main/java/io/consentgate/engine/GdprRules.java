package io.consentgate.engine;

import io.consentgate.schema.ConsentEventType;
import io.consentgate.schema.DataOrigin;
import io.consentgate.schema.Reason;
import java.time.LocalDate;
import java.time.Period;

/** EU/EEA and UK rules that are not about the lawful basis itself. */
final class GdprRules {
    private GdprRules() {}

    // GDPR Art 8(1) (UK DPA 2018 s.9: 13): a child below the age of digital consent needs
    // parental consent. Unknown age does not block. Yields CHILD_NO_PARENTAL_CONSENT.
    static void children(Facts f, Findings out) {
        LedgerEvent age = null;
        boolean parental = false;
        for (LedgerEvent e : f.events) {
            if (e.type == ConsentEventType.AGE_DECLARED) {
                age = e;
            } else if (e.type == ConsentEventType.PARENTAL_CONSENT_GRANTED) {
                parental = true;
            }
        }
        if (age == null || age.birthEpochDay == LedgerEvent.NO_BIRTH_DATE || parental) {
            return;
        }
        LocalDate sendDate = LocalDate.ofEpochDay(Math.floorDiv(f.at, 86_400_000L));
        int years = Period.between(LocalDate.ofEpochDay(age.birthEpochDay), sendDate).getYears();
        if (years < f.policy.ageOfDigitalConsent(f.send.getJurisdiction())) {
            out.fail(Reason.CHILD_NO_PARENTAL_CONSENT, age.id);
        }
    }

    // GDPR Art 14(3)(b): data from a third party needs a privacy notice before the first
    // communication. Yields ART14_NOTICE_MISSING.
    static void art14Notice(Facts f, Findings out) {
        int latestThirdParty = -1;
        for (int i = 0; i < f.events.size(); i++) {
            if (f.events.get(i).origin == DataOrigin.THIRD_PARTY) {
                latestThirdParty = i;
            }
        }
        if (latestThirdParty < 0) {
            return;
        }
        for (int i = latestThirdParty + 1; i < f.events.size(); i++) {
            LedgerEvent e = f.events.get(i);
            if (e.type == ConsentEventType.ART14_NOTICE_GIVEN && Scope.brandMatches(e, f.send)) {
                return;
            }
        }
        out.fail(Reason.ART14_NOTICE_MISSING, f.events.get(latestThirdParty).id);
    }

    // GDPR Art 21(4): the right to object is presented at the latest at the first communication.
    // Yields NO_OBJECTION_NOTICE.
    static void objectionNotice(Facts f, Findings out) {
        var content = f.send.getContent();
        if (content != null && content.getFirstContact() && !content.getObjectionNotice()) {
            out.fail(Reason.NO_OBJECTION_NOTICE);
        }
    }
}
