package io.consentgate.engine;

import static io.consentgate.engine.testing.ConsentBuilder.aConsent;
import static io.consentgate.engine.testing.ConsentBuilder.an;
import static io.consentgate.engine.testing.Ledgers.decide;
import static io.consentgate.engine.testing.SendBuilder.aSend;
import static org.assertj.core.api.Assertions.assertThat;

import io.consentgate.engine.testing.ConsentBuilder;
import io.consentgate.schema.Basis;
import io.consentgate.schema.Channel;
import io.consentgate.schema.ConsentEventType;
import io.consentgate.schema.DataOrigin;
import io.consentgate.schema.EvidenceMethod;
import io.consentgate.schema.Reason;
import io.consentgate.schema.Verdict;
import org.junit.jupiter.api.Test;

class LawfulBasisRulesTest {

    private static ConsentBuilder checkoutPurchase() {
        return an(ConsentEventType.PURCHASE)
                .anyChannel()
                .productCategory("coffee")
                .optOutOffered()
                .at("2025-11-20T00:00:00Z");
    }

    @Test
    void blocksSmsWhenOnlyEmailConsentExists() {
        Decision d = decide(aSend().sms().build(), aConsent().channel(Channel.EMAIL).build());
        assertThat(d.primaryReason()).isEqualTo(Reason.NO_LAWFUL_BASIS);
    }

    @Test
    void channelLessConsentCoversEveryChannel() {
        assertThat(decide(aSend().sms().build(), aConsent().anyChannel().build()).basis())
                .isEqualTo(Basis.CONSENT);
    }

    @Test
    void preTickedConsentIsInvalid() {
        Decision d = decide(aSend().build(), aConsent().method(EvidenceMethod.PRE_TICKED).build());
        assertThat(d.primaryReason()).isEqualTo(Reason.INVALID_CONSENT_METHOD);
    }

    @Test
    void consentWithoutSourceHasNoEvidence() {
        assertThat(decide(aSend().build(), aConsent().withoutSource().build()).primaryReason())
                .isEqualTo(Reason.NO_CONSENT_EVIDENCE);
    }

    @Test
    void consentOlderThanTwentyFourMonthsIsStaleInTheEu() {
        var old = aConsent().at("2024-03-01T11:59:59Z").build();
        assertThat(decide(aSend().at("2026-03-01T12:00:00Z").build(), old).primaryReason())
                .isEqualTo(Reason.CONSENT_STALE);
        var exactly = aConsent().at("2024-03-01T12:00:00Z").build();
        assertThat(decide(aSend().at("2026-03-01T12:00:00Z").build(), exactly).basis())
                .isEqualTo(Basis.CONSENT);
    }

    @Test
    void invalidMethodOutranksStalenessAcrossConsents() {
        Decision d =
                decide(
                        aSend().at("2026-03-01T00:00:00Z").build(),
                        aConsent().at("2023-01-01T00:00:00Z").build(),
                        aConsent()
                                .method(EvidenceMethod.INFERRED)
                                .at("2026-01-01T00:00:00Z")
                                .build());
        assertThat(d.primaryReason()).isEqualTo(Reason.INVALID_CONSENT_METHOD);
    }

    @Test
    void consentFromAnAcquiredBusinessDoesNotPassInTheEuButDoesInCanada() {
        var acquired = aConsent().origin(DataOrigin.ACQUIRED_BUSINESS).build();
        assertThat(decide(aSend().inGb().build(), acquired).primaryReason())
                .isEqualTo(Reason.INVALID_CONSENT_METHOD);
        assertThat(decide(aSend().inCa().build(), acquired).basis()).isEqualTo(Basis.CONSENT);
    }

    @Test
    void softOptInForExistingCustomerOfTheSameBrandAndProduct() {
        Decision d = decide(aSend().build(), checkoutPurchase().build());
        assertThat(d.basis()).isEqualTo(Basis.SOFT_OPT_IN);
        assertThat(d.decidingEventIds()).hasSize(1);
    }

    @Test
    void softOptInDoesNotCoverAnotherProductCategory() {
        assertThat(
                        decide(aSend().productCategory("tea").build(), checkoutPurchase().build())
                                .primaryReason())
                .isEqualTo(Reason.NO_LAWFUL_BASIS);
    }

    @Test
    void softOptInNeedsAnOptOutOfferedAtCollection() {
        var purchase = an(ConsentEventType.PURCHASE).anyChannel().productCategory("coffee").build();
        assertThat(decide(aSend().build(), purchase).verdict()).isEqualTo(Verdict.BLOCK);
    }

    @Test
    void softOptInDoesNotPassWithThirdPartyData() {
        var purchase = checkoutPurchase().origin(DataOrigin.THIRD_PARTY).build();
        var notice = an(ConsentEventType.ART14_NOTICE_GIVEN).at("2025-12-01T00:00:00Z").build();
        assertThat(decide(aSend().build(), purchase, notice).primaryReason())
                .isEqualTo(Reason.NO_LAWFUL_BASIS);
    }

    @Test
    void softOptInNeedsABrandedRelationship() {
        assertThat(decide(aSend().build(), checkoutPurchase().anyBrand().build()).verdict())
                .isEqualTo(Verdict.BLOCK);
    }

    @Test
    void softOptInCannotRelyOnAPurchaseBeforeAnOptOut() {
        Decision d =
                decide(
                        aSend().build(),
                        checkoutPurchase().at("2025-11-01T00:00:00Z").build(),
                        an(ConsentEventType.OPT_OUT).at("2025-12-01T00:00:00Z").build(),
                        aConsent()
                                .method(EvidenceMethod.UNTICKED_CHECKBOX)
                                .channel(Channel.SMS)
                                .build());
        assertThat(d.primaryReason()).isEqualTo(Reason.CHANNEL_OPTED_OUT);
    }

    @Test
    void corporateSubscriberMayBeEmailedWithoutConsent() {
        assertThat(decide(aSend().toCorporate().build()).basis())
                .isEqualTo(Basis.CORPORATE_SUBSCRIBER);
    }

    @Test
    void soleTraderIsProtectedLikeAnIndividual() {
        assertThat(decide(aSend().toSoleTrader().build()).primaryReason())
                .isEqualTo(Reason.NO_LAWFUL_BASIS);
    }

    @Test
    void liveCallAndPostRestOnLegitimateInterestInTheEu() {
        assertThat(decide(aSend().phoneCall().build()).basis())
                .isEqualTo(Basis.LEGITIMATE_INTEREST);
        assertThat(decide(aSend().post().build()).basis()).isEqualTo(Basis.LEGITIMATE_INTEREST);
    }

    @Test
    void automatedCallNeedsConsentInTheEu() {
        assertThat(decide(aSend().automatedCall().build()).primaryReason())
                .isEqualTo(Reason.NO_LAWFUL_BASIS);
    }

    @Test
    void caslPurchaseWithinTwoYearsIsImpliedConsent() {
        var purchase =
                an(ConsentEventType.PURCHASE).anyChannel().at("2024-04-01T00:00:00Z").build();
        assertThat(decide(aSend().inCa().at("2026-03-02T12:00:00Z").build(), purchase).basis())
                .isEqualTo(Basis.IMPLIED_CONSENT_EBR);
    }

    @Test
    void caslInquiryOlderThanSixMonthsHasExpired() {
        var inquiry = an(ConsentEventType.INQUIRY).anyChannel().at("2025-08-01T00:00:00Z").build();
        assertThat(
                        decide(aSend().inCa().at("2026-03-02T12:00:00Z").build(), inquiry)
                                .primaryReason())
                .isEqualTo(Reason.IMPLIED_CONSENT_EXPIRED);
    }

    @Test
    void caslRelationshipPassesWithAnAcquiredBusiness() {
        var purchase =
                an(ConsentEventType.PURCHASE)
                        .anyBrand()
                        .anyChannel()
                        .origin(DataOrigin.ACQUIRED_BUSINESS)
                        .at("2025-06-01T00:00:00Z")
                        .build();
        assertThat(decide(aSend().inCa().build(), purchase).basis())
                .isEqualTo(Basis.IMPLIED_CONSENT_EBR);
    }

    @Test
    void caslExpressConsentDoesNotExpire() {
        var old = aConsent().at("2019-01-01T00:00:00Z").build();
        assertThat(decide(aSend().inCa().build(), old).basis()).isEqualTo(Basis.CONSENT);
    }

    @Test
    void usEmailRestsOnTheOptOutRegime() {
        assertThat(decide(aSend().inUs().build()).basis()).isEqualTo(Basis.OPT_OUT_REGIME);
    }

    @Test
    void usMarketingTextNeedsWrittenConsent() {
        var checkbox =
                aConsent().channel(Channel.SMS).method(EvidenceMethod.UNTICKED_CHECKBOX).build();
        var signed =
                aConsent().channel(Channel.SMS).method(EvidenceMethod.ELECTRONIC_SIGNATURE).build();
        var at = "2026-03-02T15:00:00Z"; // 10:00 in New York
        assertThat(decide(aSend().sms().inUs().at(at).build(), checkbox).primaryReason())
                .isEqualTo(Reason.NO_WRITTEN_CONSENT);
        assertThat(decide(aSend().sms().inUs().at(at).build(), signed).basis())
                .isEqualTo(Basis.CONSENT);
    }

    @Test
    void usTextWithPreTickedConsentIsStillReportedAsNoWrittenConsent() {
        var preTicked = aConsent().channel(Channel.SMS).method(EvidenceMethod.PRE_TICKED).build();
        assertThat(
                        decide(aSend().sms().inUs().at("2026-03-02T15:00:00Z").build(), preTicked)
                                .primaryReason())
                .isEqualTo(Reason.NO_WRITTEN_CONSENT);
    }

    @Test
    void unknownCountryIsBlockedForMarketingButNotService() {
        assertThat(decide(aSend().in("BR", "America/Sao_Paulo").build()).primaryReason())
                .isEqualTo(Reason.UNKNOWN_JURISDICTION);
        assertThat(decide(aSend().in("gb", "Europe/London").build()).primaryReason())
                .isEqualTo(Reason.UNKNOWN_JURISDICTION);
        assertThat(decide(aSend().service().in("BR", "America/Sao_Paulo").build()).basis())
                .isEqualTo(Basis.NOT_REQUIRED_SERVICE);
    }

    @Test
    void serviceMessageWithPromotionIsMarketing() {
        assertThat(decide(aSend().service().containingPromotion().build()).primaryReason())
                .isEqualTo(Reason.NO_LAWFUL_BASIS);
    }
}
