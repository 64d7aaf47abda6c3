package io.consentgate.engine;

import io.consentgate.schema.ConsentEventType;
import io.consentgate.schema.Reason;

/**
 * Objections, opt-outs and withdrawals in force. Each stays in force until a later acceptable
 * consent of matching scope lifts it; no purchase or other basis overrides it.
 */
final class RefusalRules {
    private RefusalRules() {}

    // GDPR Art 21(2)-(3); Art 7(3); PECR reg 22(3)(d); CASL s.11; 15 USC 7704(a)(4); 47 CFR
    // 64.1200(a)(10). Yields DM_OBJECTION, OPTED_OUT, CHANNEL_OPTED_OUT, CONSENT_WITHDRAWN.
    static void check(Facts f, Findings out) {
        for (int i = f.lastAcceptableConsent + 1; i < f.events.size(); i++) {
            LedgerEvent e = f.events.get(i);
            if (!Scope.isRefusal(e.type) || !Scope.matches(e, f.send)) {
                continue;
            }
            out.fail(reasonFor(e), e.id);
        }
    }

    static Reason reasonFor(LedgerEvent refusal) {
        if (refusal.type == ConsentEventType.OBJECTION) {
            return Reason.DM_OBJECTION;
        }
        if (refusal.type == ConsentEventType.OPT_OUT) {
            return refusal.channel == null ? Reason.OPTED_OUT : Reason.CHANNEL_OPTED_OUT;
        }
        return Reason.CONSENT_WITHDRAWN;
    }
}
