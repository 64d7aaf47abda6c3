package io.consentgate.engine;

import io.consentgate.schema.Category;
import io.consentgate.schema.Channel;
import io.consentgate.schema.ConsentEventType;
import io.consentgate.schema.DataOrigin;
import io.consentgate.schema.EvidenceMethod;
import io.consentgate.schema.Reason;
import io.consentgate.schema.RecipientType;
import io.consentgate.schema.SendRequest;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.util.List;

/**
 * What one decision needs, computed once per send: the send's regime and the positions in the
 * ledger that several rules share (last refusal, last acceptable consent). Rules read it; they do
 * not change it.
 */
final class Facts {
    final SendRequest send;
    final long at;
    final Policy policy;
    final SubjectLedger ledger;
    final List<LedgerEvent> events;
    final Regime regime;
    final Channel channel;
    final RecipientType recipientType;
    final boolean marketing;

    /** Index of the last refusal matching the send, or -1: it voids every consent before it. */
    final int lastRefusal;

    /** Index of the last acceptable CONSENT_GRANTED matching the send, or -1: it lifts refusals. */
    final int lastAcceptableConsent;

    Facts(SendRequest send, long at, SubjectLedger ledger, Policy policy) {
        this.send = send;
        this.at = at;
        this.policy = policy;
        this.ledger = ledger;
        this.events = ledger.events();
        this.regime = policy.regimeOf(send.getJurisdiction());
        this.channel = send.getChannel();
        this.recipientType = send.getRecipientType();
        this.marketing = isMarketing(send);
        int refusal = -1;
        int acceptable = -1;
        for (int i = 0; i < events.size(); i++) {
            LedgerEvent e = events.get(i);
            if (Scope.isRefusal(e.type)) {
                if (Scope.matches(e, send)) {
                    refusal = i;
                }
            } else if (e.type == ConsentEventType.CONSENT_GRANTED
                    && Scope.matches(e, send)
                    && isAcceptable(e)) {
                acceptable = i;
            }
        }
        this.lastRefusal = refusal;
        this.lastAcceptableConsent = acceptable;
    }

    /** A SERVICE send flagged as containing promotion is MARKETING. */
    static boolean isMarketing(SendRequest send) {
        return send.getCategory() != Category.SERVICE
                || (send.getContent() != null && send.getContent().getContainsPromotion());
    }

    boolean gdpr() {
        return regime == Regime.GDPR;
    }

    /** Email, SMS and push: "electronic mail" under PECR reg 2, CEMs under CASL. */
    boolean electronicMail() {
        return channel == Channel.EMAIL || channel == Channel.SMS || channel == Channel.PUSH;
    }

    /**
     * Acceptable enough to lift a refusal or an erasure marker: complete evidence, an affirmative
     * method, given by the subject (GDPR Art 7, Recital 32). Staleness does not matter here.
     */
    boolean isAcceptable(LedgerEvent consent) {
        return invalidMethod(consent) == null && consent.hasCompleteEvidence();
    }

    /** INVALID_CONSENT_METHOD when the method or origin cannot carry consent, else null. */
    Reason invalidMethod(LedgerEvent consent) {
        if (consent.method == EvidenceMethod.PRE_TICKED
                || consent.method == EvidenceMethod.INFERRED
                || consent.origin == DataOrigin.REFERRAL
                || (consent.origin == DataOrigin.ACQUIRED_BUSINESS
                        && regime != Regime.CASL
                        && regime != Regime.US)) {
            return Reason.INVALID_CONSENT_METHOD;
        }
        return null;
    }

    /** UTC calendar arithmetic: {@code t} plus whole months, month ends clamped. */
    static long plusMonths(long t, int months) {
        return LocalDateTime.ofEpochSecond(Math.floorDiv(t, 1000), 0, ZoneOffset.UTC)
                                .plusMonths(months)
                                .toEpochSecond(ZoneOffset.UTC)
                        * 1000
                + Math.floorMod(t, 1000);
    }

    static long plusDays(long t, int days) {
        return t + days * 86_400_000L;
    }

    /** An event at {@code t} covers this send when the send is at or before t + months. */
    boolean within(long t, int months) {
        return at <= plusMonths(t, months);
    }
}
