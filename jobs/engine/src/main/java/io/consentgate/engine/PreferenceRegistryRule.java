package io.consentgate.engine;

import io.consentgate.schema.Channel;
import io.consentgate.schema.ConsentEventType;
import io.consentgate.schema.PreferenceRegistry;
import io.consentgate.schema.Reason;
import io.consentgate.schema.RecipientType;

/** Telephone preference registries: listed numbers may not be called without consent. */
final class PreferenceRegistryRule {
    private PreferenceRegistryRule() {}

    // PECR reg 21(1)(b), 21A (TPS, CTPS); CRTC Unsolicited Telecommunications Rules Part II
    // (National DNCL); 47 CFR 64.1200(c)(2) (US National DNC). Yields PREFERENCE_REGISTRY.
    static void check(Facts f, ConsentCheck consent, Findings out) {
        PreferenceRegistry registry = registryFor(f, consent);
        if (registry == null) {
            return;
        }
        var events = f.events;
        for (int i = 0; i < events.size(); i++) {
            LedgerEvent listed = events.get(i);
            if (listed.type != ConsentEventType.REGISTRY_LISTED
                    || (listed.registry != null && listed.registry != registry)
                    || !Scope.channelMatches(listed, f.send)
                    || f.at < Facts.plusDays(listed.at, f.policy.registryDelayDays(registry))) {
                continue;
            }
            if (!delistedLater(f, i, listed, registry)) {
                out.fail(Reason.PREFERENCE_REGISTRY, listed.id);
            }
        }
    }

    /** The registry that governs this send, or null when none does (or consent overrides it). */
    private static PreferenceRegistry registryFor(Facts f, ConsentCheck consent) {
        Channel ch = f.channel;
        switch (f.regime) {
            case GDPR:
                if (ch == Channel.PHONE_CALL && consent.validId == null) {
                    return f.recipientType == RecipientType.CORPORATE
                            ? PreferenceRegistry.CTPS
                            : PreferenceRegistry.TPS;
                }
                return null;
            case CASL:
                return ch == Channel.PHONE_CALL && consent.validId == null
                        ? PreferenceRegistry.NATIONAL_DNC
                        : null;
            case US:
                // 47 CFR 64.1200(c)(2)(ii): only signed, written permission overrides the DNC.
                return (ch == Channel.PHONE_CALL || ch == Channel.SMS) && consent.writtenId == null
                        ? PreferenceRegistry.NATIONAL_DNC
                        : null;
            default:
                return null;
        }
    }

    private static boolean delistedLater(
            Facts f, int i, LedgerEvent listed, PreferenceRegistry registry) {
        for (int j = i + 1; j < f.events.size(); j++) {
            LedgerEvent d = f.events.get(j);
            if (d.type == ConsentEventType.REGISTRY_DELISTED
                    && (d.registry == null || d.registry == registry)
                    && (d.channel == null || d.channel == listed.channel)) {
                return true;
            }
        }
        return false;
    }
}
