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
import io.consentgate.schema.Reason;
import io.consentgate.schema.SendRequest;
import io.consentgate.schema.Verdict;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
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
 */
public final class Records {
    private Records() {}

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

    private static String nameUuid(String... parts) {
        // Length-prefixed, so no choice of ids can make two different tuples collide.
        StringBuilder sb = new StringBuilder();
        for (String p : parts) {
            sb.append(p.length()).append(':').append(p).append('|');
        }
        return UUID.nameUUIDFromBytes(sb.toString().getBytes(StandardCharsets.UTF_8)).toString();
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
