package io.consentgate.engine;

import io.consentgate.schema.Channel;
import io.consentgate.schema.ContentFacts;
import io.consentgate.schema.Reason;

/** What every marketing email, text and push must carry, in every regime. */
final class ContentRules {
    private ContentRules() {}

    // PECR reg 23(a)-(b); CASL s.6(2)(a),(c); 15 USC 7704(a)(3),(5)(A). Yields
    // SENDER_NOT_IDENTIFIED and NO_UNSUBSCRIBE; ONE_CLICK_MISSING when the policy asks for
    // RFC 8058 one-click unsubscribe on email.
    static void check(Facts f, Findings out) {
        if (!f.electronicMail()) {
            return;
        }
        ContentFacts c = f.send.getContent();
        if (c == null || !c.getSenderIdentified()) {
            out.fail(Reason.SENDER_NOT_IDENTIFIED);
        }
        if (c == null || !c.getUnsubscribe()) {
            out.fail(Reason.NO_UNSUBSCRIBE);
        }
        if (f.policy.oneClickUnsubscribeRequired()
                && f.channel == Channel.EMAIL
                && (c == null || !c.getOneClickUnsubscribe())) {
            out.fail(Reason.ONE_CLICK_MISSING);
        }
    }
}
