package io.consentgate.engine;

import io.consentgate.schema.Channel;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.ConsentEventType;
import io.consentgate.schema.DataOrigin;
import io.consentgate.schema.Evidence;
import io.consentgate.schema.EvidenceMethod;
import io.consentgate.schema.PreferenceRegistry;
import io.consentgate.schema.SuppressionKind;

/**
 * One consent event as the ledger keeps it: only what a rule can look at. The evidence is reduced
 * to its method, origin and three presence flags; wording and source texts are not kept.
 */
final class LedgerEvent {
    static final int HAS_SOURCE = 1;
    static final int HAS_CAPTURED_AT = 2;
    static final int OPT_OUT_OFFERED = 4;
    static final int NO_BIRTH_DATE = Integer.MIN_VALUE;

    final String id;
    final ConsentEventType type;
    final long at;
    final String brand;
    final Channel channel;
    final String purpose;
    final String productCategory;
    final int birthEpochDay;
    final PreferenceRegistry registry;
    final SuppressionKind suppression;
    final EvidenceMethod method;
    final int evidenceFlags;
    final DataOrigin origin;

    LedgerEvent(
            String id,
            ConsentEventType type,
            long at,
            String brand,
            Channel channel,
            String purpose,
            String productCategory,
            int birthEpochDay,
            PreferenceRegistry registry,
            SuppressionKind suppression,
            EvidenceMethod method,
            int evidenceFlags,
            DataOrigin origin) {
        this.id = id;
        this.type = type;
        this.at = at;
        this.brand = brand;
        this.channel = channel;
        this.purpose = purpose;
        this.productCategory = productCategory;
        this.birthEpochDay = birthEpochDay;
        this.registry = registry;
        this.suppression = suppression;
        this.method = method;
        this.evidenceFlags = evidenceFlags;
        this.origin = origin;
    }

    static LedgerEvent of(ConsentEvent e) {
        Evidence ev = e.getEvidence();
        int flags = 0;
        EvidenceMethod method = null;
        DataOrigin origin = DataOrigin.DIRECT;
        if (ev != null) {
            method = ev.getMethod();
            if (ev.getSource() != null && !ev.getSource().isEmpty()) {
                flags |= HAS_SOURCE;
            }
            if (ev.getCapturedAt() != null) {
                flags |= HAS_CAPTURED_AT;
            }
            if (ev.getOptOutOffered()) {
                flags |= OPT_OUT_OFFERED;
            }
            if (ev.getOrigin() != null) {
                origin = ev.getOrigin();
            }
        }
        return new LedgerEvent(
                e.getEventId(),
                e.getType(),
                e.getOccurredAt().toEpochMilli(),
                emptyToNull(e.getBrand()),
                e.getChannel(),
                emptyToNull(e.getPurpose()),
                emptyToNull(e.getProductCategory()),
                e.getBirthDate() == null ? NO_BIRTH_DATE : (int) e.getBirthDate().toEpochDay(),
                e.getRegistry(),
                e.getSuppression(),
                method,
                flags,
                origin);
    }

    private static String emptyToNull(String s) {
        return s == null || s.isEmpty() ? null : s;
    }

    boolean optOutOffered() {
        return (evidenceFlags & OPT_OUT_OFFERED) != 0;
    }

    /** Evidence with capturedAt, source and method (GDPR Art 7(1): demonstrable consent). */
    boolean hasCompleteEvidence() {
        return method != null
                && (evidenceFlags & HAS_SOURCE) != 0
                && (evidenceFlags & HAS_CAPTURED_AT) != 0;
    }

    /** The same event delivered again: same id and every field the ledger keeps. */
    boolean sameEventAs(LedgerEvent o) {
        return id.equals(o.id)
                && type == o.type
                && at == o.at
                && channel == o.channel
                && birthEpochDay == o.birthEpochDay
                && registry == o.registry
                && suppression == o.suppression
                && method == o.method
                && evidenceFlags == o.evidenceFlags
                && origin == o.origin
                && java.util.Objects.equals(brand, o.brand)
                && java.util.Objects.equals(purpose, o.purpose)
                && java.util.Objects.equals(productCategory, o.productCategory);
    }

    /**
     * The same refusal of the same scope: the later one voids and blocks everything the earlier one
     * does, and is lifted only by consents that also lift the earlier one.
     */
    boolean sameRefusalAs(LedgerEvent o) {
        return type == o.type
                && channel == o.channel
                && java.util.Objects.equals(brand, o.brand)
                && java.util.Objects.equals(purpose, o.purpose);
    }

    /**
     * Same kind of fact with the same attributes: a later such event dominates an earlier one in
     * every rule, so the earlier one can be dropped (see {@link SubjectLedger#apply}).
     */
    boolean sameRelationshipAs(LedgerEvent o) {
        return type == o.type
                && origin == o.origin
                && optOutOffered() == o.optOutOffered()
                && java.util.Objects.equals(brand, o.brand)
                && java.util.Objects.equals(productCategory, o.productCategory);
    }
}
