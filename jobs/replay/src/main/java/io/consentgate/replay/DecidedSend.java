package io.consentgate.replay;

import io.consentgate.engine.Decision;
import io.consentgate.schema.SendRequest;
import java.time.Instant;

/**
 * A send and its first decision.
 *
 * @param occurrence 1 for the first send with this message id in applied order, 2 for the next
 */
public record DecidedSend(SendRequest send, int occurrence, Decision decision) {

    public String messageId() {
        return send.getMessageId();
    }

    /** One line for people: verdict, basis, every reason, notBefore and the deciding events. */
    public static String describe(Decision d) {
        StringBuilder sb = new StringBuilder().append(d.verdict());
        sb.append(" basis=").append(d.basis());
        sb.append(" reasons=").append(d.reasons());
        if (d.notBefore() >= 0) {
            sb.append(" notBefore=").append(Instant.ofEpochMilli(d.notBefore()));
        }
        sb.append(" decidingEvents=").append(d.decidingEventIds());
        return sb.toString();
    }
}
