package io.consentgate.filter;

import io.consentgate.engine.Decision;
import io.consentgate.engine.Policy;
import io.consentgate.schema.ApprovedSend;
import io.consentgate.schema.AuditEvent;
import io.consentgate.schema.AuditKind;
import io.consentgate.schema.Basis;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.DeadLetter;
import io.consentgate.schema.DeferredSend;
import io.consentgate.schema.PolicyDocument;
import io.consentgate.schema.Reason;
import io.consentgate.schema.SendRequest;
import io.consentgate.schema.Verdict;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;

/**
 * Builds the output records from a send and its decision. Audit events never carry the payload or
 * an address: only ids, the send's classification and the decision.
 *
 * <p>Audit ids are name-based UUIDs of (tenant, subject, message id, event time, kind, verdict,
 * primary reason), so a replay of the same input yields the same ids; the decision id of an
 * approved or deferred send is its audit id, the idempotency key for downstream systems.
 *
 * <p>Policy alerts (POLICY_REJECTED, POLICY_ACTIVATED) concern no subject: their tenantId and
 * subjectId are the placeholders {@link #SYSTEM_TENANT} and {@link #POLICY_SUBJECT}, so all of them
 * share one audit-topic key and stay in order. Their ids are name-based UUIDs of (kind, policy id,
 * version, effectiveFrom, YAML): the document itself only goes into the hash.
 */
public final class Records {
    private Records() {}

    /** tenantId of audit alerts that concern no subject; reserved, never a real tenant's id. */
    public static final String SYSTEM_TENANT = "_consentgate";

    /** subjectId of policy alerts. */
    public static final String POLICY_SUBJECT = "_policy";

    /** Longest detail of a POLICY_REJECTED alert; longer validation messages are cut. */
    static final int MAX_DETAIL_CHARS = 500;

    /** Whether an accepted policy decides ({@link #ACTIVE}) or only shadows ({@link #SHADOW}). */
    enum PolicyRole {
        ACTIVE,
        SHADOW
    }

    /** Kind of decision an audit id is derived for. */
    public enum DecisionKind {
        DECISION,
        REDECISION
    }

    public static String decisionId(
            SendRequest send, long eventTime, DecisionKind kind, Decision d) {
        Reason primary = d.primaryReason();
        return nameUuid(
                send.getTenantId(),
                send.getSubjectId(),
                send.getMessageId(),
                Long.toString(eventTime),
                kind.name(),
                d.verdict().name(),
                primary == null ? "" : primary.name());
    }

    static String retroactiveId(ConsentEvent event) {
        return nameUuid(
                event.getTenantId(),
                event.getSubjectId(),
                event.getEventId(),
                Long.toString(event.getOccurredAt().toEpochMilli()),
                AuditKind.RETROACTIVE_VIOLATION.name());
    }

    static String policyAlertId(AuditKind kind, PolicyDocument doc) {
        return nameUuid(
                kind.name(),
                doc.getPolicyId(),
                Integer.toString(doc.getVersion()),
                Long.toString(doc.getEffectiveFrom().toEpochMilli()),
                doc.getYaml());
    }

    private static String nameUuid(String... parts) {
        // Length-prefixed, so no choice of ids can make two different tuples collide.
        StringBuilder sb = new StringBuilder();
        for (String p : parts) {
            sb.append(p.length()).append(':').append(p).append('|');
        }
        return nameUuid(sb.toString().getBytes(StandardCharsets.UTF_8)).toString();
    }

    /** One MD5 digest per thread: {@code MessageDigest.getInstance} per id showed in profiles. */
    private static final ThreadLocal<MessageDigest> MD5 =
            ThreadLocal.withInitial(
                    () -> {
                        try {
                            return MessageDigest.getInstance("MD5");
                        } catch (NoSuchAlgorithmException e) {
                            throw new IllegalStateException("MD5 is required of every JVM", e);
                        }
                    });

    /** The same UUID as {@link UUID#nameUUIDFromBytes} (version 3), with a reused digest. */
    static UUID nameUuid(byte[] name) {
        MessageDigest md5 = MD5.get();
        md5.reset();
        byte[] h = md5.digest(name);
        h[6] = (byte) ((h[6] & 0x0f) | 0x30); // version 3
        h[8] = (byte) ((h[8] & 0x3f) | 0x80); // IETF variant
        long msb = 0;
        long lsb = 0;
        for (int i = 0; i < 8; i++) {
            msb = (msb << 8) | (h[i] & 0xff);
            lsb = (lsb << 8) | (h[i + 8] & 0xff);
        }
        return new UUID(msb, lsb);
    }

    /**
     * The audit event of one decision.
     *
     * @param eventTime the instant decided at: requestedAt, or notBefore for a re-decision
     */
    public static AuditEvent decision(
            SendRequest send,
            Decision d,
            String auditId,
            long eventTime,
            boolean late,
            boolean redecision) {
        return decision(send, d, auditId, eventTime, late, redecision, null);
    }

    /**
     * The audit event of one decision, with the shadow policy's decision of the same send.
     *
     * @param shadow the shadow policy's decision, or null when no shadow policy is in force
     */
    public static AuditEvent decision(
            SendRequest send,
            Decision d,
            String auditId,
            long eventTime,
            boolean late,
            boolean redecision,
            Decision shadow) {
        return AuditEvent.newBuilder()
                .setAuditId(auditId)
                .setKind(AuditKind.DECISION)
                .setTenantId(send.getTenantId())
                .setSubjectId(send.getSubjectId())
                .setMessageId(send.getMessageId())
                .setBrand(send.getBrand())
                .setChannel(send.getChannel())
                .setCategory(send.getCategory())
                .setPurpose(send.getPurpose())
                .setJurisdiction(send.getJurisdiction())
                .setVerdict(d.verdict())
                .setReasons(new ArrayList<>(d.reasons()))
                .setBasis(d.basis() == null ? Basis.NONE : d.basis())
                .setDecidingEventIds(new ArrayList<>(d.decidingEventIds()))
                .setPolicyId(d.policyId())
                .setPolicyVersion(d.policyVersion())
                .setEventTime(Instant.ofEpochMilli(eventTime))
                .setNotBefore(
                        d.verdict() == Verdict.DEFER ? Instant.ofEpochMilli(d.notBefore()) : null)
                .setLate(late)
                .setRedecision(redecision)
                .setShadowVerdict(shadow == null ? null : shadow.verdict())
                .setShadowPolicyVersion(shadow == null ? null : shadow.policyVersion())
                .build();
    }

    public static ApprovedSend approved(SendRequest send, Decision d, String decisionId) {
        return ApprovedSend.newBuilder()
                .setRequest(send)
                .setDecisionId(decisionId)
                .setBasis(d.basis())
                .setPolicyId(d.policyId())
                .setPolicyVersion(d.policyVersion())
                .setDecidingEventIds(new ArrayList<>(d.decidingEventIds()))
                .build();
    }

    public static DeferredSend deferred(SendRequest send, Decision d, String decisionId) {
        return DeferredSend.newBuilder()
                .setRequest(send)
                .setDecisionId(decisionId)
                .setReason(d.primaryReason() == null ? Reason.QUIET_HOURS : d.primaryReason())
                .setNotBefore(Instant.ofEpochMilli(d.notBefore()))
                .setPolicyId(d.policyId())
                .setPolicyVersion(d.policyVersion())
                .build();
    }

    /**
     * The alert for a late consent event that withdraws permission earlier ALLOWs relied on.
     *
     * @param reasons why those sends would now be blocked, in precedence order
     */
    static AuditEvent retroactiveViolation(
            ConsentEvent event, List<String> affected, List<Reason> reasons, Policy policy) {
        return AuditEvent.newBuilder()
                .setAuditId(retroactiveId(event))
                .setKind(AuditKind.RETROACTIVE_VIOLATION)
                .setTenantId(event.getTenantId())
                .setSubjectId(event.getSubjectId())
                .setBrand(event.getBrand())
                .setChannel(event.getChannel())
                .setPurpose(event.getPurpose())
                .setReasons(reasons)
                .setDecidingEventIds(List.of(event.getEventId()))
                .setPolicyId(policy.id())
                .setPolicyVersion(policy.version())
                .setEventTime(event.getOccurredAt())
                .setLate(true)
                .setAffectedMessageIds(affected)
                .setDetail("lateEventType=" + event.getType().name())
                .build();
    }

    /**
     * The alert for a policy document that is not used: invalid, not newer than the version known,
     * a header that disagrees with its YAML, or an id that is neither the active nor the shadow
     * policy. {@code detail} is the validation message (cut to {@link #MAX_DETAIL_CHARS}), never
     * the document.
     */
    static AuditEvent policyRejected(PolicyDocument doc, String problem) {
        String detail = String.valueOf(problem);
        if (detail.length() > MAX_DETAIL_CHARS) {
            detail = detail.substring(0, MAX_DETAIL_CHARS - 3) + "...";
        }
        return policyAlert(doc, AuditKind.POLICY_REJECTED).setDetail(detail).build();
    }

    /**
     * The alert for an accepted policy version. {@code late}: its effectiveFrom was already behind
     * the watermark when it arrived, so sends decided between the two used the previous version.
     */
    static AuditEvent policyActivated(PolicyDocument doc, PolicyRole role, boolean late) {
        return policyAlert(doc, AuditKind.POLICY_ACTIVATED)
                .setLate(late)
                .setDetail("role=" + role.name() + ";effectiveFrom=" + doc.getEffectiveFrom())
                .build();
    }

    private static AuditEvent.Builder policyAlert(PolicyDocument doc, AuditKind kind) {
        return AuditEvent.newBuilder()
                .setAuditId(policyAlertId(kind, doc))
                .setKind(kind)
                .setTenantId(SYSTEM_TENANT)
                .setSubjectId(POLICY_SUBJECT)
                .setPolicyId(doc.getPolicyId())
                .setPolicyVersion(doc.getVersion())
                .setEventTime(doc.getEffectiveFrom());
    }

    /**
     * A send the operator dead-letters itself (late with late.sends=DEAD_LETTER, or one the engine
     * failed on), with its Avro single-object encoding (fingerprint + binary) as the raw value.
     */
    static DeadLetter deadLetter(
            SendRequest send, String sourceTopic, String code, String message) {
        ByteBuffer raw;
        try {
            raw = send.toByteBuffer();
        } catch (IOException | RuntimeException e) {
            raw = null; // a send the engine failed on may not even encode
        }
        return DeadLetter.newBuilder()
                .setSourceTopic(sourceTopic)
                .setPartition(-1)
                .setOffset(-1L)
                .setTimestamp(send.getRequestedAt())
                .setRawKey(
                        ByteBuffer.wrap(SubjectKey.bytes(send.getTenantId(), send.getSubjectId())))
                .setRawValue(raw)
                .setErrorCode(code)
                .setErrorMessage(message + "; rawValue is Avro single-object encoded")
                .build();
    }
}
