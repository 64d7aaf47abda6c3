package io.consentgate.engine;

import static io.consentgate.engine.testing.ConsentBuilder.aConsent;
import static io.consentgate.engine.testing.ConsentBuilder.an;
import static io.consentgate.engine.testing.Ledgers.decide;
import static io.consentgate.engine.testing.SendBuilder.aSend;
import static org.assertj.core.api.Assertions.assertThat;

import io.consentgate.schema.Basis;
import io.consentgate.schema.Channel;
import io.consentgate.schema.ConsentEventType;
import io.consentgate.schema.DataOrigin;
import io.consentgate.schema.EvidenceMethod;
import io.consentgate.schema.PreferenceRegistry;
import io.consentgate.schema.Reason;
import io.consentgate.schema.Verdict;
import java.time.Instant;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

class OtherRulesTest {

    @Nested
    class PreferenceRegistries {
        private final String callAt = "2026-03-02T15:00:00Z";

        @Test
        void tpsListingBlocksLiveCallsAfterTwentyEightDays() {
            var listed =
                    an(ConsentEventType.REGISTRY_LISTED)
                            .anyChannel()
                            .anyBrand()
                            .registry(PreferenceRegistry.TPS)
                            .at("2026-02-01T15:00:00Z")
                            .build();
            assertThat(
                            decide(aSend().phoneCall().at("2026-03-01T15:00:00Z").build(), listed)
                                    .primaryReason())
                    .isEqualTo(Reason.PREFERENCE_REGISTRY);
            assertThat(
                            decide(aSend().phoneCall().at("2026-03-01T14:59:59Z").build(), listed)
                                    .basis())
                    .isEqualTo(Basis.LEGITIMATE_INTEREST);
        }

        @Test
        void tpsDoesNotApplyToCorporateNumbersButCtpsDoes() {
            var tps =
                    an(ConsentEventType.REGISTRY_LISTED)
                            .anyChannel()
                            .registry(PreferenceRegistry.TPS)
                            .at("2025-01-01T00:00:00Z")
                            .build();
            var ctps =
                    an(ConsentEventType.REGISTRY_LISTED)
                            .anyChannel()
                            .registry(PreferenceRegistry.CTPS)
                            .at("2025-01-01T00:00:00Z")
                            .build();
            assertThat(decide(aSend().phoneCall().toCorporate().build(), tps).verdict())
                    .isEqualTo(Verdict.ALLOW);
            assertThat(decide(aSend().phoneCall().toCorporate().build(), ctps).primaryReason())
                    .isEqualTo(Reason.PREFERENCE_REGISTRY);
        }

        @Test
        void validPhoneConsentOverridesTps() {
            var tps =
                    an(ConsentEventType.REGISTRY_LISTED)
                            .anyChannel()
                            .registry(PreferenceRegistry.TPS)
                            .at("2025-01-01T00:00:00Z")
                            .build();
            var consent = aConsent().channel(Channel.PHONE_CALL).build();
            assertThat(decide(aSend().phoneCall().build(), tps, consent).basis())
                    .isEqualTo(Basis.CONSENT);
        }

        @Test
        void delistingLiftsTheListing() {
            var listed =
                    an(ConsentEventType.REGISTRY_LISTED)
                            .anyChannel()
                            .registry(PreferenceRegistry.TPS)
                            .at("2025-01-01T00:00:00Z")
                            .build();
            var delisted =
                    an(ConsentEventType.REGISTRY_DELISTED)
                            .anyChannel()
                            .at("2025-06-01T00:00:00Z")
                            .build();
            assertThat(decide(aSend().phoneCall().build(), listed, delisted).verdict())
                    .isEqualTo(Verdict.ALLOW);
        }

        @Test
        void usNationalDncBlocksTextsWithoutWrittenConsentAfterThirtyOneDays() {
            var dnc =
                    an(ConsentEventType.REGISTRY_LISTED)
                            .anyChannel()
                            .registry(PreferenceRegistry.NATIONAL_DNC)
                            .at("2026-01-30T15:00:00Z")
                            .build();
            var signed =
                    aConsent()
                            .channel(Channel.PHONE_CALL)
                            .method(EvidenceMethod.WRITTEN_SIGNED)
                            .build();
            assertThat(decide(aSend().phoneCall().inUs().at(callAt).build(), dnc).primaryReason())
                    .isEqualTo(Reason.PREFERENCE_REGISTRY);
            assertThat(decide(aSend().phoneCall().inUs().at(callAt).build(), dnc, signed).basis())
                    .isEqualTo(Basis.CONSENT);
            assertThat(
                            decide(
                                            aSend().phoneCall()
                                                    .inUs()
                                                    .at("2026-03-01T15:00:00Z")
                                                    .build(),
                                            dnc)
                                    .verdict())
                    .isEqualTo(Verdict.ALLOW);
        }

        @Test
        void canadianDnclBlocksCallsWithoutConsent() {
            var dnc =
                    an(ConsentEventType.REGISTRY_LISTED)
                            .anyChannel()
                            .registry(PreferenceRegistry.NATIONAL_DNC)
                            .at("2025-01-01T00:00:00Z")
                            .build();
            assertThat(decide(aSend().phoneCall().inCa().at(callAt).build(), dnc).primaryReason())
                    .isEqualTo(Reason.PREFERENCE_REGISTRY);
        }
    }

    @Nested
    class Children {
        @Test
        void childUnderThirteenInGbNeedsParentalConsent() {
            var age =
                    an(ConsentEventType.AGE_DECLARED)
                            .anyChannel()
                            .anyBrand()
                            .bornOn("2013-03-03")
                            .build();
            var consent = aConsent().build();
            assertThat(
                            decide(aSend().at("2026-03-02T12:00:00Z").build(), age, consent)
                                    .primaryReason())
                    .isEqualTo(Reason.CHILD_NO_PARENTAL_CONSENT);
            assertThat(decide(aSend().at("2026-03-03T00:00:00Z").build(), age, consent).verdict())
                    .isEqualTo(Verdict.ALLOW);
        }

        @Test
        void fifteenYearOldInGermanyIsAChildButNotInGb() {
            var age =
                    an(ConsentEventType.AGE_DECLARED)
                            .anyChannel()
                            .anyBrand()
                            .bornOn("2010-06-01")
                            .build();
            var consent = aConsent().build();
            assertThat(decide(aSend().inDe().build(), age, consent).primaryReason())
                    .isEqualTo(Reason.CHILD_NO_PARENTAL_CONSENT);
            assertThat(decide(aSend().inGb().build(), age, consent).verdict())
                    .isEqualTo(Verdict.ALLOW);
        }

        @Test
        void parentalConsentRemovesTheBlockButABasisIsStillNeeded() {
            var age =
                    an(ConsentEventType.AGE_DECLARED)
                            .anyChannel()
                            .anyBrand()
                            .bornOn("2015-01-01")
                            .build();
            var parental =
                    an(ConsentEventType.PARENTAL_CONSENT_GRANTED).anyChannel().anyBrand().build();
            assertThat(decide(aSend().build(), age, parental).primaryReason())
                    .isEqualTo(Reason.NO_LAWFUL_BASIS);
            assertThat(decide(aSend().build(), age, parental, aConsent().build()).verdict())
                    .isEqualTo(Verdict.ALLOW);
        }

        @Test
        void unknownAgeDoesNotBlock() {
            assertThat(decide(aSend().build(), aConsent().build()).verdict())
                    .isEqualTo(Verdict.ALLOW);
        }
    }

    @Nested
    class Art14 {
        @Test
        void thirdPartyDataWithoutNoticeIsBlocked() {
            var consent = aConsent().origin(DataOrigin.THIRD_PARTY).build();
            assertThat(decide(aSend().build(), consent).primaryReason())
                    .isEqualTo(Reason.ART14_NOTICE_MISSING);
        }

        @Test
        void noticeBeforeTheLatestThirdPartyEventDoesNotCount() {
            var notice = an(ConsentEventType.ART14_NOTICE_GIVEN).at("2026-01-01T00:00:00Z").build();
            var consent =
                    aConsent().origin(DataOrigin.THIRD_PARTY).at("2026-01-10T00:00:00Z").build();
            assertThat(decide(aSend().build(), notice, consent).primaryReason())
                    .isEqualTo(Reason.ART14_NOTICE_MISSING);
            var later = an(ConsentEventType.ART14_NOTICE_GIVEN).at("2026-01-11T00:00:00Z").build();
            assertThat(decide(aSend().build(), notice, consent, later).verdict())
                    .isEqualTo(Verdict.ALLOW);
        }
    }

    @Nested
    class Content {
        @Test
        void marketingEmailMustIdentifyTheSenderAndOfferUnsubscribe() {
            var consent = aConsent().build();
            assertThat(
                            decide(
                                            aSend().senderNotIdentified()
                                                    .withoutUnsubscribe()
                                                    .build(),
                                            consent)
                                    .reasons())
                    .containsExactly(Reason.SENDER_NOT_IDENTIFIED, Reason.NO_UNSUBSCRIBE);
        }

        @Test
        void usEmailWithoutUnsubscribeIsBlocked() {
            assertThat(decide(aSend().inUs().withoutUnsubscribe().build()).primaryReason())
                    .isEqualTo(Reason.NO_UNSUBSCRIBE);
        }

        @Test
        void postNeedsNoUnsubscribeLink() {
            assertThat(decide(aSend().post().withoutUnsubscribe().build()).verdict())
                    .isEqualTo(Verdict.ALLOW);
        }

        @Test
        void firstContactInTheEuMustPresentTheRightToObject() {
            assertThat(decide(aSend().phoneCall().firstContact(false).build()).primaryReason())
                    .isEqualTo(Reason.NO_OBJECTION_NOTICE);
            assertThat(decide(aSend().phoneCall().firstContact(true).build()).verdict())
                    .isEqualTo(Verdict.ALLOW);
            assertThat(
                            decide(
                                            aSend().phoneCall()
                                                    .inUs()
                                                    .at("2026-03-02T15:00:00Z")
                                                    .firstContact(false)
                                                    .build())
                                    .verdict())
                    .isEqualTo(Verdict.ALLOW);
        }

        @Test
        void oneClickUnsubscribeIsOnlyRequiredWhenThePolicySaysSo() throws Exception {
            var send = aSend().withoutOneClick().build();
            var consent = aConsent().build();
            assertThat(decide(send, consent).verdict()).isEqualTo(Verdict.ALLOW);
            Policy strict =
                    Policy.fromYaml(
                            Policy.defaultPolicy()
                                    .yaml()
                                    .replace(
                                            "oneClickUnsubscribeRequired: false",
                                            "oneClickUnsubscribeRequired: true"));
            var ledger = io.consentgate.engine.testing.Ledgers.ledgerOf(consent);
            assertThat(DecisionEngine.decide(send, ledger, strict).primaryReason())
                    .isEqualTo(Reason.ONE_CLICK_MISSING);
        }
    }

    @Nested
    class QuietHours {
        @Test
        void usTextAtNightIsDeferredToEightInTheMorningLocal() {
            var signed =
                    aConsent().channel(Channel.SMS).method(EvidenceMethod.WRITTEN_SIGNED).build();
            // 02:30 UTC = 21:30 in New York (EST): next window 08:00 EST = 13:00 UTC.
            Decision d = decide(aSend().sms().inUs().at("2026-03-03T02:30:00Z").build(), signed);
            assertThat(d.verdict()).isEqualTo(Verdict.DEFER);
            assertThat(d.primaryReason()).isEqualTo(Reason.QUIET_HOURS);
            assertThat(d.basis()).isEqualTo(Basis.NONE);
            assertThat(Instant.ofEpochMilli(d.notBefore())).isEqualTo("2026-03-03T13:00:00Z");
        }

        @Test
        void usEmailHasNoQuietHours() {
            assertThat(decide(aSend().inUs().at("2026-03-03T05:00:00Z").build()).verdict())
                    .isEqualTo(Verdict.ALLOW);
        }

        @Test
        void canadianCallOnSaturdayEveningWaitsForSundayTen() {
            // Saturday 2026-03-07 19:00 in Toronto (EST, UTC-5) = 2026-03-08T00:00Z.
            Decision d = decide(aSend().phoneCall().inCa().at("2026-03-08T00:00:00Z").build());
            assertThat(d.verdict()).isEqualTo(Verdict.DEFER);
            // Sunday 10:00 EDT (DST starts 2026-03-08 02:00) = 14:00Z.
            assertThat(Instant.ofEpochMilli(d.notBefore())).isEqualTo("2026-03-08T14:00:00Z");
        }

        @Test
        void canadianCallOnFridayAtNineFifteenInTheEveningIsAllowed() {
            // Friday 2026-03-06 21:15 EST = 2026-03-07T02:15Z.
            assertThat(
                            decide(aSend().phoneCall().inCa().at("2026-03-07T02:15:00Z").build())
                                    .basis())
                    .isEqualTo(Basis.OPT_OUT_REGIME);
        }

        @Test
        void deferIsReportedOnlyWhenNothingElseBlocks() {
            Decision d = decide(aSend().sms().inUs().at("2026-03-03T02:30:00Z").build());
            assertThat(d.verdict()).isEqualTo(Verdict.BLOCK);
            assertThat(d.reasons()).containsExactly(Reason.NO_WRITTEN_CONSENT, Reason.QUIET_HOURS);
            assertThat(d.notBefore()).isEqualTo(-1);
        }

        @Test
        void callWithAnAbbreviatedOrMissingTimeZoneIsBlocked() {
            for (String zone : new String[] {"EST", "-05:00", "America/Torronto", null}) {
                assertThat(
                                decide(aSend().phoneCall().inUs().timeZone(zone).build())
                                        .primaryReason())
                        .as(String.valueOf(zone))
                        .isEqualTo(Reason.UNKNOWN_TIMEZONE);
            }
            assertThat(
                            decide(
                                            aSend().phoneCall()
                                                    .inUs()
                                                    .timeZone("Etc/GMT+5")
                                                    .at("2026-03-02T15:00:00Z")
                                                    .build())
                                    .verdict())
                    .isEqualTo(Verdict.ALLOW);
            assertThat(
                            decide(
                                            aSend().phoneCall()
                                                    .inUs()
                                                    .timeZone("UTC")
                                                    .at("2026-03-02T15:00:00Z")
                                                    .build())
                                    .verdict())
                    .isEqualTo(Verdict.ALLOW);
        }

        @Test
        void emailNeedsNoTimeZone() {
            assertThat(decide(aSend().inUs().timeZone(null).build()).verdict())
                    .isEqualTo(Verdict.ALLOW);
        }
    }

    @Nested
    class FrequencyCaps {
        @Test
        void capBlocksTheFourthEmailInADayWhenConfigured() throws Exception {
            Policy capped =
                    Policy.fromYaml(
                            Policy.defaultPolicy()
                                    .yaml()
                                    .replace(
                                            "frequencyCaps: {}",
                                            "frequencyCaps: {EMAIL: {max: 3, windowHours: 24}}"));
            SubjectLedger ledger =
                    io.consentgate.engine.testing.Ledgers.ledgerOf(aConsent().build());
            Instant t = Instant.parse("2026-03-02T08:00:00Z");
            for (int i = 0; i < 3; i++) {
                var send = aSend().at(t.plusSeconds(3600L * i)).build();
                Decision d = DecisionEngine.decide(send, ledger, capped);
                assertThat(d.verdict()).isEqualTo(Verdict.ALLOW);
                ledger.recordSend(send, d);
            }
            var fourth = aSend().at(t.plusSeconds(3 * 3600)).build();
            assertThat(DecisionEngine.decide(fourth, ledger, capped).primaryReason())
                    .isEqualTo(Reason.FREQUENCY_CAP);
            assertThat(DecisionEngine.decide(fourth, ledger, Policy.defaultPolicy()).verdict())
                    .isEqualTo(Verdict.ALLOW);
            var nextDay = aSend().at(t.plusSeconds(24 * 3600 + 1)).build();
            assertThat(DecisionEngine.decide(nextDay, ledger, capped).verdict())
                    .isEqualTo(Verdict.ALLOW);
        }
    }
}
