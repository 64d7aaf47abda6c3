package io.consentgate.engine;

import io.consentgate.schema.ConsentEventType;
import io.consentgate.schema.SendRequest;

/**
 * Which consent events concern which sends (FORMAT.md "Scope matching"): an absent brand, channel
 * or purpose covers every value; relationship events ignore channel and purpose; suppression and
 * registry events ignore brand and purpose; age, parental consent and erasure concern the whole
 * subject.
 */
final class Scope {
    private Scope() {}

    /** Brand, channel and purpose each absent or equal to the send's. */
    static boolean matches(LedgerEvent e, SendRequest send) {
        return brandMatches(e, send)
                && (e.channel == null || e.channel == send.getChannel())
                && (e.purpose == null || e.purpose.equals(send.getPurpose()));
    }

    /** Relationship events (purchase, inquiry, Art 14 notice) relate to a brand or the tenant. */
    static boolean brandMatches(LedgerEvent e, SendRequest send) {
        return e.brand == null || e.brand.equals(send.getBrand());
    }

    /** Suppression and registry events concern the address or number: channel only. */
    static boolean channelMatches(LedgerEvent e, SendRequest send) {
        return e.channel == null || e.channel == send.getChannel();
    }

    static boolean isRefusal(ConsentEventType type) {
        return type == ConsentEventType.OBJECTION
                || type == ConsentEventType.OPT_OUT
                || type == ConsentEventType.CONSENT_WITHDRAWN;
    }
}
