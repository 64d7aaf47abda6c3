package io.consentgate.engine.testing;

import io.consentgate.schema.Channel;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.ConsentEventType;
import io.consentgate.schema.DataOrigin;
import io.consentgate.schema.Evidence;
import io.consentgate.schema.EvidenceMethod;
import io.consentgate.schema.PreferenceRegistry;
import io.consentgate.schema.SuppressionKind;
import java.time.Instant;
import java.time.LocalDate;

/**
 * Test data for consent events: a valid, evidenced, direct email consent for {@link
 * SendBuilder#BRAND} unless told otherwise. {@code aConsent().withdrawn().at("...").build()}.
 */
public final class ConsentBuilder {
    private static int counter;

    private final ConsentEvent.Builder b =
            ConsentEvent.newBuilder()
                    .setEventId("ce-" + (++counter))
                    .setTenantId(SendBuilder.TENANT)
                    .setSubjectId(SendBuilder.SUBJECT)
                    .setType(ConsentEventType.CONSENT_GRANTED)
                    .setOccurredAt(Instant.parse("2026-01-10T09:00:00Z"))
                    .setBrand(SendBuilder.BRAND)
                    .setChannel(Channel.EMAIL);
    private final Evidence.Builder evidence =
            Evidence.newBuilder()
                    .setMethod(EvidenceMethod.DOUBLE_OPT_IN)
                    .setSource("web:signup")
                    .setCapturedAt(Instant.parse("2026-01-10T09:00:00Z"))
                    .setWordingVersion("w-1")
                    .setOrigin(DataOrigin.DIRECT);
    private boolean withEvidence = true;

    public static ConsentBuilder aConsent() {
        return new ConsentBuilder();
    }

    public static ConsentBuilder an(ConsentEventType type) {
        return new ConsentBuilder().type(type);
    }

    public ConsentBuilder type(ConsentEventType type) {
        b.setType(type);
        return this;
    }

    public ConsentBuilder id(String id) {
        b.setEventId(id);
        return this;
    }

    public ConsentBuilder subject(String tenant, String subject) {
        b.setTenantId(tenant).setSubjectId(subject);
        return this;
    }

    public ConsentBuilder at(String instant) {
        b.setOccurredAt(Instant.parse(instant));
        evidence.setCapturedAt(Instant.parse(instant));
        return this;
    }

    public ConsentBuilder at(Instant instant) {
        b.setOccurredAt(instant);
        evidence.setCapturedAt(instant);
        return this;
    }

    public ConsentBuilder channel(Channel channel) {
        b.setChannel(channel);
        return this;
    }

    public ConsentBuilder anyChannel() {
        b.setChannel(null);
        return this;
    }

    public ConsentBuilder brand(String brand) {
        b.setBrand(brand);
        return this;
    }

    public ConsentBuilder anyBrand() {
        b.setBrand(null);
        return this;
    }

    public ConsentBuilder purpose(String purpose) {
        b.setPurpose(purpose);
        return this;
    }

    public ConsentBuilder productCategory(String productCategory) {
        b.setProductCategory(productCategory);
        return this;
    }

    public ConsentBuilder method(EvidenceMethod method) {
        evidence.setMethod(method);
        return this;
    }

    public ConsentBuilder origin(DataOrigin origin) {
        evidence.setOrigin(origin);
        return this;
    }

    public ConsentBuilder optOutOffered() {
        evidence.setOptOutOffered(true);
        return this;
    }

    public ConsentBuilder withoutSource() {
        evidence.setSource(null);
        return this;
    }

    public ConsentBuilder withoutEvidence() {
        withEvidence = false;
        return this;
    }

    public ConsentBuilder registry(PreferenceRegistry registry) {
        b.setRegistry(registry);
        return this;
    }

    public ConsentBuilder suppression(SuppressionKind kind) {
        b.setSuppression(kind);
        return this;
    }

    public ConsentBuilder bornOn(String date) {
        b.setBirthDate(LocalDate.parse(date));
        return this;
    }

    public ConsentEvent build() {
        return b.setEvidence(withEvidence ? evidence.build() : null).build();
    }
}
