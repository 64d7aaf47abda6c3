package io.consentgate.engine;

import static io.consentgate.engine.testing.ConsentBuilder.aConsent;
import static io.consentgate.engine.testing.ConsentBuilder.an;
import static io.consentgate.engine.testing.Ledgers.decide;
import static io.consentgate.engine.testing.Ledgers.ledgerOf;
import static io.consentgate.engine.testing.SendBuilder.aSend;
import static org.assertj.core.api.Assertions.assertThat;

import io.consentgate.schema.Basis;
import io.consentgate.schema.Channel;
import io.consentgate.schema.ConsentEventType;
import io.consentgate.schema.Reason;
import io.consentgate.schema.SendRequest;
import io.consentgate.schema.SuppressionKind;
import io.consentgate.schema.Verdict;
import org.junit.jupiter.api.Test;

class SubjectRulesTest {
    private final Policy policy = Policy.defaultPolicy();

    @Test
    void erasedSubjectIsBlockedEvenForService() {
        var erasure = an(ConsentEventType.ERASURE).anyBrand().anyChannel().build();
        assertThat(decide(aSend().service().build(), aConsent().build(), erasure).primaryReason())
                .isEqualTo(Reason.SUBJECT_ERASED);
        assertThat(decide(aSend().build(), aConsent().build(), erasure).primaryReason())
                .isEqualTo(Reason.SUBJECT_ERASED);
    }

    @Test
    void erasureForgetsConsentGivenBeforeIt() {
        Decision d =
                decide(
                        aSend().build(),
                        aConsent().at("2026-01-01T00:00:00Z").build(),
                        an(ConsentEventType.ERASURE).at("2026-02-01T00:00:00Z").build());
        assertThat(d.reasons()).containsExactly(Reason.SUBJECT_ERASED, Reason.NO_LAWFUL_BASIS);
    }

    @Test
    void newExplicitConsentAfterErasureLiftsTheMarkerForWhatItCovers() {
        var erasure = an(ConsentEventType.ERASURE).at("2026-01-01T00:00:00Z").build();
        var consent = aConsent().channel(Channel.EMAIL).at("2026-02-01T00:00:00Z").build();
        assertThat(decide(aSend().email().build(), erasure, consent).verdict())
                .isEqualTo(Verdict.ALLOW);
        assertThat(decide(aSend().sms().build(), erasure, consent).primaryReason())
                .isEqualTo(Reason.SUBJECT_ERASED);
    }

    @Test
    void purchaseAfterErasureLiftsTheMarkerForServiceOnly() {
        var erasure = an(ConsentEventType.ERASURE).at("2026-01-01T00:00:00Z").build();
        var purchase = an(ConsentEventType.PURCHASE).at("2026-02-01T00:00:00Z").build();
        assertThat(decide(aSend().service().build(), erasure, purchase).basis())
                .isEqualTo(Basis.NOT_REQUIRED_SERVICE);
        assertThat(decide(aSend().build(), erasure, purchase).primaryReason())
                .isEqualTo(Reason.SUBJECT_ERASED);
    }

    @Test
    void sameMessageIdWithinSevenDaysIsADuplicateWhateverTheFirstVerdict() {
        SubjectLedger ledger = ledgerOf();
        SendRequest first = aSend().id("m").at("2026-03-01T00:00:00Z").build();
        Decision d1 = DecisionEngine.decide(first, ledger, policy);
        assertThat(d1.verdict()).isEqualTo(Verdict.BLOCK); // no consent
        ledger.recordSend(first, d1);
        SendRequest again = aSend().id("m").at("2026-03-08T00:00:00Z").service().build();
        assertThat(DecisionEngine.decide(again, ledger, policy).primaryReason())
                .isEqualTo(Reason.DUPLICATE_SEND);
    }

    @Test
    void sameMessageIdAfterTheWindowIsDecidedAfreshAndStartsANewWindow() {
        SubjectLedger ledger = ledgerOf();
        SendRequest first = aSend().id("m").service().at("2026-03-01T00:00:00Z").build();
        ledger.recordSend(first, DecisionEngine.decide(first, ledger, policy));
        SendRequest late = aSend().id("m").service().at("2026-03-08T00:00:00.001Z").build();
        Decision d = DecisionEngine.decide(late, ledger, policy);
        assertThat(d.verdict()).isEqualTo(Verdict.ALLOW);
        ledger.recordSend(late, d);
        SendRequest third = aSend().id("m").service().at("2026-03-14T00:00:00Z").build();
        assertThat(DecisionEngine.decide(third, ledger, policy).primaryReason())
                .isEqualTo(Reason.DUPLICATE_SEND);
    }

    @Test
    void duplicateDoesNotExtendTheWindow() {
        SubjectLedger ledger = ledgerOf();
        SendRequest first = aSend().id("m").service().at("2026-03-01T00:00:00Z").build();
        ledger.recordSend(first, DecisionEngine.decide(first, ledger, policy));
        SendRequest dup = aSend().id("m").service().at("2026-03-05T00:00:00Z").build();
        ledger.recordSend(dup, DecisionEngine.decide(dup, ledger, policy));
        SendRequest later = aSend().id("m").service().at("2026-03-09T00:00:00Z").build();
        assertThat(DecisionEngine.decide(later, ledger, policy).verdict()).isEqualTo(Verdict.ALLOW);
    }

    @Test
    void deferredSendDecidedAgainIsNotItsOwnDuplicate() {
        SubjectLedger ledger = ledgerOf();
        SendRequest send = aSend().id("m").service().at("2026-03-01T00:00:00Z").build();
        ledger.recordSend(send, DecisionEngine.decide(send, ledger, policy));
        long later = send.getRequestedAt().toEpochMilli() + 3_600_000;
        assertThat(DecisionEngine.redecide(send, later, ledger, policy).verdict())
                .isEqualTo(Verdict.ALLOW);
    }

    @Test
    void hardBounceSuppressesMarketingOnItsChannel() {
        var bounce =
                an(ConsentEventType.SUPPRESSION_ADDED)
                        .channel(Channel.EMAIL)
                        .suppression(SuppressionKind.HARD_BOUNCE)
                        .build();
        assertThat(decide(aSend().build(), aConsent().build(), bounce).primaryReason())
                .isEqualTo(Reason.SUPPRESSED);
        assertThat(decide(aSend().service().build(), bounce).verdict()).isEqualTo(Verdict.ALLOW);
    }

    @Test
    void suppressionRemovedOfAnotherKindDoesNotLiftIt() {
        var bounce =
                an(ConsentEventType.SUPPRESSION_ADDED)
                        .channel(Channel.EMAIL)
                        .suppression(SuppressionKind.HARD_BOUNCE)
                        .at("2026-01-11T00:00:00Z")
                        .build();
        var removedComplaint =
                an(ConsentEventType.SUPPRESSION_REMOVED)
                        .channel(Channel.EMAIL)
                        .suppression(SuppressionKind.COMPLAINT)
                        .at("2026-01-12T00:00:00Z")
                        .build();
        var removedBounce =
                an(ConsentEventType.SUPPRESSION_REMOVED)
                        .anyChannel()
                        .suppression(SuppressionKind.HARD_BOUNCE)
                        .at("2026-01-13T00:00:00Z")
                        .build();
        assertThat(
                        decide(aSend().build(), aConsent().build(), bounce, removedComplaint)
                                .primaryReason())
                .isEqualTo(Reason.SUPPRESSED);
        assertThat(decide(aSend().build(), aConsent().build(), bounce, removedBounce).verdict())
                .isEqualTo(Verdict.ALLOW);
    }
}
