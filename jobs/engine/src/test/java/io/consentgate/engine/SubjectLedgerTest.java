package io.consentgate.engine;

import static io.consentgate.engine.testing.ConsentBuilder.aConsent;
import static io.consentgate.engine.testing.ConsentBuilder.an;
import static io.consentgate.engine.testing.Ledgers.ledgerOf;
import static io.consentgate.engine.testing.SendBuilder.aSend;
import static org.assertj.core.api.Assertions.assertThat;

import io.consentgate.schema.Channel;
import io.consentgate.schema.ConsentEventType;
import io.consentgate.schema.PreferenceRegistry;
import io.consentgate.schema.Verdict;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class SubjectLedgerTest {
    private final Policy policy = Policy.defaultPolicy();

    @Test
    void serializedLedgerDecidesExactlyLikeTheOriginal() {
        SubjectLedger ledger =
                ledgerOf(
                        aConsent().at("2025-06-01T00:00:00Z").build(),
                        an(ConsentEventType.PURCHASE)
                                .productCategory("coffee")
                                .optOutOffered()
                                .build(),
                        an(ConsentEventType.AGE_DECLARED).anyBrand().bornOn("1990-01-01").build(),
                        an(ConsentEventType.REGISTRY_LISTED)
                                .registry(PreferenceRegistry.TPS)
                                .channel(Channel.PHONE_CALL)
                                .build(),
                        an(ConsentEventType.OPT_OUT).channel(Channel.SMS).build());
        var sent = aSend().id("m-1").build();
        ledger.recordSend(sent, DecisionEngine.decide(sent, ledger, policy));
        SubjectLedger copy = SubjectLedger.fromBytes(ledger.toBytes());
        assertThat(copy.toBytes()).isEqualTo(ledger.toBytes());
        for (var send :
                new io.consentgate.schema.SendRequest[] {
                    aSend().id("m-1").build(),
                    aSend().sms().build(),
                    aSend().phoneCall().build(),
                    aSend().post().build()
                }) {
            assertThat(DecisionEngine.decide(send, copy, policy))
                    .isEqualTo(DecisionEngine.decide(send, ledger, policy));
        }
    }

    @Test
    void emptyLedgerSerializesSmall() {
        assertThat(SubjectLedger.empty().toBytes()).hasSizeLessThan(16);
        assertThat(SubjectLedger.fromBytes(new byte[0]).isEmpty()).isTrue();
    }

    @Test
    void oneConsentSerializesInUnderOneHundredBytes() {
        SubjectLedger ledger = ledgerOf(aConsent().id("ce-8c1f2a").build());
        assertThat(ledger.toBytes()).hasSizeLessThan(100);
    }

    @Test
    void repeatedPurchasesKeepOnlyTheLatestOfTheSameKind() {
        SubjectLedger ledger = SubjectLedger.empty();
        Instant t = Instant.parse("2024-01-01T00:00:00Z");
        for (int i = 0; i < 300; i++) {
            ledger.apply(
                    an(ConsentEventType.PURCHASE)
                            .productCategory("coffee")
                            .optOutOffered()
                            .at(t.plusSeconds(86_400L * i))
                            .build());
        }
        assertThat(ledger.eventCount()).isEqualTo(1);
    }

    @Test
    void reappliedEventIdChangesNothing() {
        var consent = aConsent().id("ce-x").build();
        SubjectLedger ledger = ledgerOf(consent, consent);
        assertThat(ledger.eventCount()).isEqualTo(1);
    }

    @Test
    void aDifferentEventReusingAnIdIsStillApplied() {
        var grant = aConsent().id("ce-reused").at("2026-01-01T00:00:00Z").build();
        var withdrawal =
                an(ConsentEventType.CONSENT_WITHDRAWN)
                        .id("ce-reused")
                        .at("2026-02-01T00:00:00Z")
                        .build();
        SubjectLedger ledger = ledgerOf(grant, withdrawal);
        assertThat(ledger.eventCount()).isEqualTo(2);
        assertThat(DecisionEngine.decide(aSend().build(), ledger, policy).primaryReason())
                .isEqualTo(io.consentgate.schema.Reason.CONSENT_WITHDRAWN);
    }

    @Test
    void consentWithdrawCyclesStayBoundedAndRefusalsSurvive() {
        SubjectLedger ledger = SubjectLedger.empty();
        Instant t = Instant.parse("2024-01-01T00:00:00Z");
        ledger.apply(an(ConsentEventType.OBJECTION).anyChannel().anyBrand().at(t).build());
        for (int i = 1; i <= 2 * SubjectLedger.MAX_EVENTS; i++) {
            ledger.apply(aConsent().purpose("p" + i).at(t.plusSeconds(60L * i)).build());
            ledger.apply(
                    an(ConsentEventType.CONSENT_WITHDRAWN)
                            .purpose("p" + (i % 7))
                            .at(t.plusSeconds(60L * i + 1))
                            .build());
        }
        assertThat(ledger.eventCount()).isLessThanOrEqualTo(SubjectLedger.MAX_EVENTS);
        assertThat(ledger.events().get(0).type).isEqualTo(ConsentEventType.OBJECTION);
        assertThat(DecisionEngine.decide(aSend().purpose("p3").build(), ledger, policy).verdict())
                .isEqualTo(Verdict.BLOCK);
    }

    @Test
    void pruneForgetsMessageIdsAfterTheDedupeWindowAndEmptiesTheLedger() {
        SubjectLedger ledger = SubjectLedger.empty();
        var send = aSend().service().at("2026-03-01T00:00:00Z").build();
        ledger.recordSend(send, DecisionEngine.decide(send, ledger, policy));
        assertThat(ledger.isEmpty()).isFalse();
        ledger.prune(Instant.parse("2026-03-07T00:00:00Z").toEpochMilli(), policy);
        assertThat(ledger.isEmpty()).isFalse();
        ledger.prune(Instant.parse("2026-03-08T00:00:00.001Z").toEpochMilli(), policy);
        assertThat(ledger.isEmpty()).isTrue();
    }

    @Test
    void erasureKeepsOnlyTheMarker() {
        SubjectLedger ledger =
                ledgerOf(
                        aConsent().build(),
                        an(ConsentEventType.ERASURE).at("2026-02-01T00:00:00Z").build());
        assertThat(ledger.eventCount()).isZero();
        assertThat(ledger.isEmpty()).isFalse();
        assertThat(SubjectLedger.fromBytes(ledger.toBytes()).erased()).isTrue();
    }
}
