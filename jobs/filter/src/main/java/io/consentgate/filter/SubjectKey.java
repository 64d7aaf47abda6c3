package io.consentgate.filter;

import io.consentgate.filter.internal.SubjectInput;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.SendRequest;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.flink.api.java.functions.KeySelector;

/**
 * The subject key: {@code tenantId + ":" + subjectId}, the Kafka record key of both input topics
 * (UTF-8) and of every output but the dead-letter topic, and the Flink key of the decision
 * operator.
 *
 * <p>The first ':' separates the two parts, so a tenant id must not contain ':' (records whose
 * tenant id does are dead-lettered as INVALID_ID); the subject id may contain anything. This keeps
 * the key injective: two subjects never share a ledger.
 */
public final class SubjectKey {
    public static final char SEPARATOR = ':';

    private SubjectKey() {}

    public static String of(String tenantId, String subjectId) {
        return tenantId + SEPARATOR + subjectId;
    }

    public static String of(SendRequest send) {
        return of(send.getTenantId(), send.getSubjectId());
    }

    public static String of(ConsentEvent event) {
        return of(event.getTenantId(), event.getSubjectId());
    }

    /** The Kafka record key bytes for a subject. */
    public static byte[] bytes(String tenantId, String subjectId) {
        return of(tenantId, subjectId).getBytes(StandardCharsets.UTF_8);
    }

    /** True when {@code key} is exactly the key bytes of this tenant and subject. */
    public static boolean matches(byte[] key, String tenantId, String subjectId) {
        return key != null && Arrays.equals(key, bytes(tenantId, subjectId));
    }

    /** Keys sends by subject. */
    public static final class OfSend implements KeySelector<SendRequest, String> {
        @Override
        public String getKey(SendRequest send) {
            return of(send);
        }
    }

    /** Keys consent events by subject. */
    public static final class OfConsent implements KeySelector<ConsentEvent, String> {
        @Override
        public String getKey(ConsentEvent event) {
            return of(event);
        }
    }

    /** Keys the decision operator's input (a send or a consent event) by subject. */
    public static final class OfInput implements KeySelector<SubjectInput, String> {
        @Override
        public String getKey(SubjectInput input) {
            return input.getSend() != null ? of(input.getSend()) : of(input.getConsent());
        }
    }
}
