package io.consentgate.replay;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.consentgate.engine.Decision;
import io.consentgate.schema.Reason;
import java.io.UncheckedIOException;
import java.time.Instant;

/** Formats a decided send as one compact JSON object (the {@code evaluate --events} output). */
public final class DecisionJson {
    private static final ObjectMapper JSON = new ObjectMapper();

    private DecisionJson() {}

    /**
     * {@code {"id","tenant","subject","verdict","reasons","basis","decidingEventIds","policyId",
     * "policyVersion","notBefore"}}; notBefore is an ISO instant or null.
     */
    public static String format(DecidedSend sent) {
        Decision d = sent.decision();
        ObjectNode o = JSON.createObjectNode();
        o.put("id", sent.send().getMessageId());
        o.put("tenant", sent.send().getTenantId());
        o.put("subject", sent.send().getSubjectId());
        o.put("verdict", d.verdict().name());
        ArrayNode reasons = o.putArray("reasons");
        for (Reason r : d.reasons()) {
            reasons.add(r.name());
        }
        o.put("basis", d.basis() == null ? null : d.basis().name());
        ArrayNode deciding = o.putArray("decidingEventIds");
        d.decidingEventIds().forEach(deciding::add);
        o.put("policyId", d.policyId());
        o.put("policyVersion", d.policyVersion());
        o.put(
                "notBefore",
                d.notBefore() < 0 ? null : Instant.ofEpochMilli(d.notBefore()).toString());
        try {
            return JSON.writeValueAsString(o);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }
}
