package io.consentgate.engine;

import io.consentgate.schema.ConsentEventType;
import io.consentgate.schema.Reason;

/** Rules about the subject as a whole: erasure and repeated message ids. */
final class SubjectRules {
    private SubjectRules() {}

    // GDPR Art 17 (erasure) with Art 21(3) suppression: SUBJECT_ERASED until a new explicit
    // consent (marketing) or any new consent event (service) lifts the marker.
    static void erasure(Facts f, Findings out) {
        if (!f.ledger.erased()) {
            return;
        }
        boolean lifted = f.marketing ? f.lastAcceptableConsent >= 0 : !f.events.isEmpty();
        if (!lifted) {
            out.fail(Reason.SUBJECT_ERASED, f.ledger.erasureEventId());
        }
    }

    // Sender's idempotency key (DESIGN section 2): DUPLICATE_SEND within the dedupe window.
    static void duplicate(Facts f, Findings out, boolean redecision) {
        Long previous = f.ledger.sendTime(f.send.getMessageId());
        if (previous == null) {
            return;
        }
        if (redecision && previous == f.send.getRequestedAt().toEpochMilli()) {
            return; // a deferred send decided again is not a duplicate of its own first decision
        }
        if (f.at <= Facts.plusDays(previous, f.policy.dedupeWindowDays())) {
            out.fail(Reason.DUPLICATE_SEND);
        }
    }

    // Own suppression lists (hard bounce, complaint, own do-not-contact): SUPPRESSED.
    static void suppression(Facts f, Findings out) {
        var events = f.events;
        for (int i = 0; i < events.size(); i++) {
            LedgerEvent add = events.get(i);
            if (add.type != ConsentEventType.SUPPRESSION_ADDED
                    || !Scope.channelMatches(add, f.send)) {
                continue;
            }
            if (!liftedLater(events, i, add)) {
                out.fail(Reason.SUPPRESSED, add.id);
            }
        }
    }

    private static boolean liftedLater(java.util.List<LedgerEvent> events, int i, LedgerEvent add) {
        for (int j = i + 1; j < events.size(); j++) {
            LedgerEvent rem = events.get(j);
            if (rem.type == ConsentEventType.SUPPRESSION_REMOVED
                    && (rem.channel == null || rem.channel == add.channel)
                    && (rem.suppression == null || rem.suppression == add.suppression)) {
                return true;
            }
        }
        return false;
    }
}
