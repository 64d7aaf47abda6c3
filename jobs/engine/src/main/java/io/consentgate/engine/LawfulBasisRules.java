package io.consentgate.engine;

import io.consentgate.schema.Basis;
import io.consentgate.schema.Channel;
import io.consentgate.schema.ConsentEventType;
import io.consentgate.schema.DataOrigin;
import io.consentgate.schema.Reason;
import io.consentgate.schema.RecipientType;

/**
 * The channel rules: which bases a marketing send may rest on in its regime, tried in order; the
 * first that holds is the basis. Without one, the most specific "no basis" reason is reported.
 */
final class LawfulBasisRules {
    private LawfulBasisRules() {}

    static void check(Facts f, ConsentCheck consent, Findings out) {
        switch (f.regime) {
            case GDPR -> gdpr(f, consent, out);
            case CASL -> casl(f, consent, out);
            case US -> us(f, consent, out);
        }
    }

    // PECR reg 22(2)-(3) (electronic mail to individuals), reg 21 (live calls), reg 19
    // (automated calls); GDPR Art 6(1)(a),(f) and Recital 47 (post, calls).
    private static void gdpr(Facts f, ConsentCheck consent, Findings out) {
        if (consent(consent, out)) {
            return;
        }
        if (f.electronicMail()) {
            if (f.recipientType == RecipientType.CORPORATE) {
                // PECR reg 22 protects individual subscribers only; ICO B2B guidance.
                out.basis = Basis.CORPORATE_SUBSCRIBER;
                return;
            }
            String softOptIn = softOptIn(f);
            if (softOptIn != null) {
                out.basis = Basis.SOFT_OPT_IN;
                out.cite(softOptIn);
                return;
            }
        } else if (f.channel == Channel.PHONE_CALL || f.channel == Channel.POST) {
            out.basis = Basis.LEGITIMATE_INTEREST;
            return;
        }
        noBasis(consent, null, out);
    }

    // CASL s.6(1)(a), s.10(9)(a)-(b), s.10(10): express consent, or implied consent from an
    // existing business relationship (purchase 2 years, inquiry 6 months); CRTC rules for calls.
    private static void casl(Facts f, ConsentCheck consent, Findings out) {
        if (consent(consent, out)) {
            return;
        }
        if (f.electronicMail()) {
            ImpliedConsent ebr = impliedConsent(f);
            if (ebr.eventId != null) {
                out.basis = Basis.IMPLIED_CONSENT_EBR;
                out.cite(ebr.eventId);
                return;
            }
            noBasis(consent, ebr.expired ? Reason.IMPLIED_CONSENT_EXPIRED : null, out);
            return;
        }
        if (f.channel == Channel.PHONE_CALL || f.channel == Channel.POST) {
            out.basis = Basis.OPT_OUT_REGIME;
            return;
        }
        noBasis(consent, null, out);
    }

    // CAN-SPAM 15 USC 7704 (email: opt-out regime); TCPA 47 USC 227(b), 47 CFR 64.1200(a)(2)
    // (texts and automated calls need prior express written consent).
    private static void us(Facts f, ConsentCheck consent, Findings out) {
        if (f.channel == Channel.SMS || f.channel == Channel.AUTOMATED_CALL) {
            if (consent.writtenId != null) {
                out.basis = Basis.CONSENT;
                out.cite(consent.writtenId);
            } else {
                out.fail(Reason.NO_WRITTEN_CONSENT);
            }
            return;
        }
        if (consent(consent, out)) {
            return;
        }
        out.basis = Basis.OPT_OUT_REGIME;
    }

    private static boolean consent(ConsentCheck consent, Findings out) {
        if (consent.validId == null) {
            return false;
        }
        out.basis = Basis.CONSENT;
        out.cite(consent.validId);
        return true;
    }

    /** FORMAT.md precedence 17: the specific reason first, then the consent's flaw, else none. */
    private static void noBasis(ConsentCheck consent, Reason specific, Findings out) {
        if (specific != null) {
            out.fail(specific);
        } else if (consent.flaw != null) {
            out.fail(consent.flaw);
        } else {
            out.fail(Reason.NO_LAWFUL_BASIS);
        }
    }

    // PECR reg 22(3): details obtained by this brand in a sale or negotiation, similar products,
    // opt-out offered at collection, not from a third party or an acquired business.
    static String softOptIn(Facts f) {
        String brand = f.send.getBrand();
        String product = f.send.getProductCategory();
        if (brand == null || product == null) {
            return null;
        }
        String found = null;
        for (int i = f.lastRefusal + 1; i < f.events.size(); i++) {
            LedgerEvent e = f.events.get(i);
            if ((e.type == ConsentEventType.PURCHASE || e.type == ConsentEventType.INQUIRY)
                    && brand.equals(e.brand)
                    && product.equals(e.productCategory)
                    && e.optOutOffered()
                    && e.origin == DataOrigin.DIRECT
                    && f.within(e.at, f.policy.softOptInWindowMonths())) {
                found = e.id;
            }
        }
        return found;
    }

    /** A CASL existing business relationship: the event that carries it, or why none does. */
    record ImpliedConsent(String eventId, boolean expired) {}

    // CASL s.10(10), s.10(13): any origin counts (the relationship passes with a bought business).
    static ImpliedConsent impliedConsent(Facts f) {
        String found = null;
        boolean exists = false;
        for (int i = f.lastRefusal + 1; i < f.events.size(); i++) {
            LedgerEvent e = f.events.get(i);
            if ((e.type != ConsentEventType.PURCHASE && e.type != ConsentEventType.INQUIRY)
                    || !Scope.brandMatches(e, f.send)) {
                continue;
            }
            exists = true;
            int months =
                    e.type == ConsentEventType.PURCHASE
                            ? f.policy.caslPurchaseWindowMonths()
                            : f.policy.caslInquiryWindowMonths();
            if (f.within(e.at, months)) {
                found = e.id;
            }
        }
        return new ImpliedConsent(found, found == null && exists);
    }
}
