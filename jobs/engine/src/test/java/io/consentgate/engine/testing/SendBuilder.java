package io.consentgate.engine.testing;

import io.consentgate.schema.Category;
import io.consentgate.schema.Channel;
import io.consentgate.schema.ContentFacts;
import io.consentgate.schema.RecipientType;
import io.consentgate.schema.SendRequest;
import java.time.Instant;

/**
 * Test data for sends: a compliant GB marketing email to an individual unless told otherwise.
 * {@code aSend().sms().toCorporate().inUs().at("2026-03-02T15:00:00Z").build()}.
 */
public final class SendBuilder {
    public static final String TENANT = "t-1";
    public static final String SUBJECT = "sub-1";
    public static final String BRAND = "brand-a";

    private static int counter;

    private final SendRequest.Builder b =
            SendRequest.newBuilder()
                    .setMessageId("msg-" + (++counter))
                    .setTenantId(TENANT)
                    .setSubjectId(SUBJECT)
                    .setBrand(BRAND)
                    .setChannel(Channel.EMAIL)
                    .setCategory(Category.MARKETING)
                    .setPurpose("offers")
                    .setProductCategory("coffee")
                    .setJurisdiction("GB")
                    .setRecipientType(RecipientType.INDIVIDUAL)
                    .setTimeZone("Europe/London")
                    .setRequestedAt(Instant.parse("2026-03-02T12:00:00Z"));
    private final ContentFacts.Builder content =
            ContentFacts.newBuilder()
                    .setSenderIdentified(true)
                    .setUnsubscribe(true)
                    .setOneClickUnsubscribe(true)
                    .setObjectionNotice(true);

    public static SendBuilder aSend() {
        return new SendBuilder();
    }

    public SendBuilder id(String id) {
        b.setMessageId(id);
        return this;
    }

    public SendBuilder subject(String tenant, String subject) {
        b.setTenantId(tenant).setSubjectId(subject);
        return this;
    }

    public SendBuilder at(String instant) {
        b.setRequestedAt(Instant.parse(instant));
        return this;
    }

    public SendBuilder at(Instant instant) {
        b.setRequestedAt(instant);
        return this;
    }

    public SendBuilder channel(Channel channel) {
        b.setChannel(channel);
        return this;
    }

    public SendBuilder email() {
        return channel(Channel.EMAIL);
    }

    public SendBuilder sms() {
        return channel(Channel.SMS);
    }

    public SendBuilder push() {
        return channel(Channel.PUSH);
    }

    public SendBuilder phoneCall() {
        return channel(Channel.PHONE_CALL);
    }

    public SendBuilder automatedCall() {
        return channel(Channel.AUTOMATED_CALL);
    }

    public SendBuilder post() {
        return channel(Channel.POST);
    }

    public SendBuilder service() {
        b.setCategory(Category.SERVICE);
        return this;
    }

    public SendBuilder containingPromotion() {
        content.setContainsPromotion(true);
        return this;
    }

    public SendBuilder toIndividual() {
        b.setRecipientType(RecipientType.INDIVIDUAL);
        return this;
    }

    public SendBuilder toSoleTrader() {
        b.setRecipientType(RecipientType.SOLE_TRADER);
        return this;
    }

    public SendBuilder toCorporate() {
        b.setRecipientType(RecipientType.CORPORATE);
        return this;
    }

    public SendBuilder in(String jurisdiction, String timeZone) {
        b.setJurisdiction(jurisdiction).setTimeZone(timeZone);
        return this;
    }

    public SendBuilder inGb() {
        return in("GB", "Europe/London");
    }

    public SendBuilder inDe() {
        return in("DE", "Europe/Berlin");
    }

    public SendBuilder inCa() {
        return in("CA-ON", "America/Toronto");
    }

    public SendBuilder inUs() {
        return in("US-NY", "America/New_York");
    }

    public SendBuilder timeZone(String zone) {
        b.setTimeZone(zone);
        return this;
    }

    public SendBuilder brand(String brand) {
        b.setBrand(brand);
        return this;
    }

    public SendBuilder purpose(String purpose) {
        b.setPurpose(purpose);
        return this;
    }

    public SendBuilder productCategory(String productCategory) {
        b.setProductCategory(productCategory);
        return this;
    }

    public SendBuilder senderNotIdentified() {
        content.setSenderIdentified(false);
        return this;
    }

    public SendBuilder withoutUnsubscribe() {
        content.setUnsubscribe(false);
        return this;
    }

    public SendBuilder withoutOneClick() {
        content.setOneClickUnsubscribe(false);
        return this;
    }

    public SendBuilder firstContact(boolean objectionNotice) {
        content.setFirstContact(true).setObjectionNotice(objectionNotice);
        return this;
    }

    public SendRequest build() {
        return b.setContent(content.build()).build();
    }
}
