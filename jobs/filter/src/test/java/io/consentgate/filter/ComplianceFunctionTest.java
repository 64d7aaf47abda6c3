package io.consentgate.filter;

import static io.consentgate.engine.testing.ConsentBuilder.aConsent;
import static io.consentgate.engine.testing.ConsentBuilder.an;
import static io.consentgate.engine.testing.SendBuilder.aSend;
import static org.assertj.core.api.Assertions.assertThat;

import io.consentgate.schema.AuditEvent;
import io.consentgate.schema.Basis;
import io.consentgate.schema.Channel;
import io.consentgate.schema.ConsentEventType;
import io.consentgate.schema.Reason;
import io.consentgate.schema.Verdict;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

/** Ordering, lateness, deferral and cleanup of the decision operator, on RocksDB. */
class ComplianceFunctionTest {
    private static final String T = "2026-03-02T12:00:00Z";

    @Test
    void withdrawalAtTheSameInstantArrivingAfterTheSendBlocksIt() throws Exception {
        try (DecisionHarness h = DecisionHarness.open()) {
            h.consent(aConsent().id("grant").at("2026-01-10T09:00:00Z").build())
                    .watermark("2026-01-10T09:00:00Z")
                    .send(aSend().id("m1").email().toIndividual().inGb().at(T).build())
                    // Arrives after the send, within the out-of-orderness bound.
                    .consent(an(ConsentEventType.CONSENT_WITHDRAWN).id("withdraw").at(T).build())
                    .watermark(T);

            AuditEvent d = h.decisionOf("m1");
            assertThat(d.getVerdict()).isEqualTo(Verdict.BLOCK);
            assertThat(d.getReasons()).first().isEqualTo(Reason.CONSENT_WITHDRAWN);
            assertThat(d.getLate()).isFalse();
            assertThat(h.approved()).isEmpty();
        }
    }

    @Test
    void sendsWaitForTheWatermarkAndAreAllowedOnConsent() throws Exception {
        try (DecisionHarness h = DecisionHarness.open()) {
            h.consent(aConsent().id("grant").at("2026-01-10T09:00:00Z").build())
                    .send(aSend().id("m1").email().toIndividual().inGb().at(T).build());
            assertThat(h.audits()).isEmpty();
            assertThat(h.pendingGauge()).isEqualTo(2);

            h.watermark(T);

            AuditEvent d = h.decisionOf("m1");
            assertThat(d.getVerdict()).isEqualTo(Verdict.ALLOW);
            assertThat(d.getBasis()).isEqualTo(Basis.CONSENT);
            assertThat(d.getDecidingEventIds()).contains("grant");
            assertThat(h.approved())
                    .singleElement()
                    .satisfies(
                            a -> {
                                assertThat(a.getDecisionId()).isEqualTo(d.getAuditId());
                                assertThat(a.getBasis()).isEqualTo(Basis.CONSENT);
                                assertThat(a.getPolicyVersion()).isEqualTo(d.getPolicyVersion());
                                assertThat(a.getRequest().getMessageId()).isEqualTo("m1");
                            });
            assertThat(h.pendingGauge()).isZero();
        }
    }

    @Test
    void lateWithdrawalRaisesOneRetroactiveViolationForTheAllowsItWithdraws() throws Exception {
        try (DecisionHarness h = DecisionHarness.open()) {
            h.consent(aConsent().id("grant").at("2026-01-10T09:00:00Z").build())
                    .send(aSend().id("before").at("2026-03-02T10:00:00Z").build())
                    .send(aSend().id("after-1").at("2026-03-02T11:00:00Z").build())
                    .send(aSend().id("after-2").at(T).build())
                    .watermark(T);
            assertThat(h.approved()).hasSize(3);

            // Behind the watermark: applied at once, and the ALLOWs since 10:30 are re-checked.
            h.consent(
                    an(ConsentEventType.OPT_OUT)
                            .id("late-opt-out")
                            .anyBrand()
                            .anyChannel()
                            .at("2026-03-02T10:30:00Z")
                            .build());

            assertThat(h.alerts())
                    .singleElement()
                    .satisfies(
                            alert -> {
                                assertThat(alert.getAffectedMessageIds())
                                        .containsExactly("after-1", "after-2");
                                assertThat(alert.getDecidingEventIds())
                                        .containsExactly("late-opt-out");
                                assertThat(alert.getReasons()).contains(Reason.OPTED_OUT);
                                assertThat(alert.getReasons())
                                        .doesNotContain(Reason.DUPLICATE_SEND);
                                assertThat(alert.getLate()).isTrue();
                            });

            // It governs every later send.
            h.send(aSend().id("later").at("2026-03-02T13:00:00Z").build())
                    .watermark("2026-03-02T13:00:00Z");
            assertThat(h.decisionOf("later").getVerdict()).isEqualTo(Verdict.BLOCK);
        }
    }

    @Test
    void lateErasureReChecksOnlyTheLatestAllowsUpToTheConfiguredMaximum() throws Exception {
        ComplianceFunction.Settings keepThree =
                new ComplianceFunction.Settings(
                        null,
                        Duration.ofDays(30).toMillis(),
                        3,
                        FilterConfig.LateSends.DECIDE,
                        "sends.requested");
        try (DecisionHarness h = DecisionHarness.open(keepThree)) {
            // Eleven ALLOWed service messages: more than twice the maximum, so the appended list
            // is compacted once on the way; what the check sees must not depend on that.
            for (int i = 0; i < 11; i++) {
                h.send(
                        aSend().id("s" + i)
                                .service()
                                .at(Instant.parse(T).plus(Duration.ofMinutes(i)))
                                .build());
            }
            h.watermark("2026-03-02T13:00:00Z");
            assertThat(h.approved()).hasSize(11);

            // GDPR Art 17: a late erasure before all of them withdraws even service messages.
            h.consent(an(ConsentEventType.ERASURE).id("late-erasure").at(T).build());

            assertThat(h.alerts())
                    .singleElement()
                    .satisfies(
                            alert ->
                                    assertThat(alert.getAffectedMessageIds())
                                            .containsExactly("s8", "s9", "s10"));
        }
    }

    @Test
    void lateConsentThatWithdrawsNothingRaisesNoAlert() throws Exception {
        try (DecisionHarness h = DecisionHarness.open()) {
            h.consent(aConsent().id("grant").at("2026-01-10T09:00:00Z").build())
                    .send(aSend().id("m1").email().at(T).build())
                    .watermark(T)
                    // An SMS opt-out does not touch an email ALLOW.
                    .consent(
                            an(ConsentEventType.OPT_OUT)
                                    .channel(Channel.SMS)
                                    .at("2026-03-02T11:00:00Z")
                                    .build());
            assertThat(h.alerts()).isEmpty();
        }
    }

    @Test
    void lateSendIsDecidedAtOnceOnTheCurrentStateAndMarkedLate() throws Exception {
        try (DecisionHarness h = DecisionHarness.open()) {
            h.consent(aConsent().id("grant").at("2026-01-10T09:00:00Z").build())
                    .watermark("2026-03-02T12:10:00Z")
                    .send(aSend().id("late").at(T).build());

            AuditEvent d = h.decisionOf("late");
            assertThat(d.getLate()).isTrue();
            assertThat(d.getVerdict()).isEqualTo(Verdict.ALLOW);
            assertThat(h.approved()).hasSize(1);
            assertThat(h.pendingGauge()).isZero();
        }
    }

    @Test
    void lateSendIsDeadLetteredWhenConfiguredSo() throws Exception {
        ComplianceFunction.Settings deadLetterLate =
                new ComplianceFunction.Settings(
                        null,
                        Duration.ofDays(30).toMillis(),
                        64,
                        FilterConfig.LateSends.DEAD_LETTER,
                        "sends.requested");
        try (DecisionHarness h = DecisionHarness.open(deadLetterLate)) {
            h.watermark("2026-03-02T12:10:00Z").send(aSend().id("late").at(T).build());

            assertThat(h.audits()).isEmpty();
            assertThat(h.deadLetters())
                    .singleElement()
                    .satisfies(dl -> assertThat(dl.getErrorCode()).isEqualTo("LATE_SEND"));
        }
    }

    @Test
    void aMessageIdDecidedWithinTheDedupeWindowIsBlockedAsDuplicate() throws Exception {
        try (DecisionHarness h = DecisionHarness.open()) {
            h.consent(aConsent().id("grant").at("2026-01-10T09:00:00Z").build())
                    .send(aSend().id("m1").at(T).build())
                    .send(aSend().id("m1").at("2026-03-03T12:00:00Z").build())
                    .watermark("2026-03-03T12:00:00Z");

            assertThat(h.decisions())
                    .extracting(AuditEvent::getVerdict)
                    .containsExactly(Verdict.ALLOW, Verdict.BLOCK);
            assertThat(h.decisions().get(1).getReasons()).first().isEqualTo(Reason.DUPLICATE_SEND);
            assertThat(h.decisions().get(0).getAuditId())
                    .isNotEqualTo(h.decisions().get(1).getAuditId());
            assertThat(h.approved()).hasSize(1);
        }
    }

    @Test
    void deferredCallIsDecidedAgainAtNotBeforeAndApproved() throws Exception {
        try (DecisionHarness h = DecisionHarness.open()) {
            // 02:00 in New York: outside the TCPA calling window.
            h.send(aSend().id("call").phoneCall().inUs().at("2026-03-02T07:00:00Z").build())
                    .watermark("2026-03-02T07:00:00Z");

            AuditEvent first = h.decisionOf("call");
            assertThat(first.getVerdict()).isEqualTo(Verdict.DEFER);
            assertThat(first.getReasons()).containsExactly(Reason.QUIET_HOURS);
            Instant notBefore = first.getNotBefore();
            assertThat(notBefore).isEqualTo(Instant.parse("2026-03-02T13:00:00Z"));
            assertThat(h.deferred())
                    .singleElement()
                    .satisfies(
                            d -> {
                                assertThat(d.getNotBefore()).isEqualTo(notBefore);
                                assertThat(d.getDecisionId()).isEqualTo(first.getAuditId());
                            });
            assertThat(h.approved()).isEmpty();
            assertThat(h.deferredGauge()).isEqualTo(1);

            h.watermark(notBefore);

            assertThat(h.decisions()).hasSize(2);
            AuditEvent again = h.decisions().get(1);
            assertThat(again.getRedecision()).isTrue();
            assertThat(again.getVerdict()).isEqualTo(Verdict.ALLOW);
            assertThat(again.getEventTime()).isEqualTo(notBefore);
            assertThat(again.getAuditId()).isNotEqualTo(first.getAuditId());
            assertThat(h.approved())
                    .singleElement()
                    .satisfies(a -> assertThat(a.getDecisionId()).isEqualTo(again.getAuditId()));
            assertThat(h.deferredGauge()).isZero();
        }
    }

    @Test
    void optOutBetweenDeferralAndNotBeforeBlocksTheDeferredCall() throws Exception {
        try (DecisionHarness h = DecisionHarness.open()) {
            h.send(aSend().id("call").phoneCall().inUs().at("2026-03-02T07:00:00Z").build())
                    .watermark("2026-03-02T07:00:00Z")
                    .consent(
                            an(ConsentEventType.OPT_OUT)
                                    .anyBrand()
                                    .anyChannel()
                                    .at("2026-03-02T10:00:00Z")
                                    .build())
                    .watermark("2026-03-02T13:00:00Z");

            AuditEvent again = h.decisions().get(1);
            assertThat(again.getRedecision()).isTrue();
            assertThat(again.getVerdict()).isEqualTo(Verdict.BLOCK);
            assertThat(again.getReasons()).first().isEqualTo(Reason.OPTED_OUT);
            assertThat(h.approved()).isEmpty();
        }
    }

    @Test
    void keyedStateAndTimersGoBackToZeroAfterTheWindows() throws Exception {
        try (DecisionHarness h = DecisionHarness.open()) {
            // No consent on file: US calls are allowed (opt-out regime) or deferred.
            h.send(aSend().id("allowed").phoneCall().inUs().at("2026-03-02T15:00:00Z").build())
                    .send(
                            aSend().id("deferred")
                                    .phoneCall()
                                    .inUs()
                                    .at("2026-03-02T07:00:00Z")
                                    .build());
            assertThat(h.eventTimeTimers()).isEqualTo(2);
            assertThat(h.keysIn(Descriptors.PENDING.getName())).isEqualTo(1);
            assertThat(h.keyedStateEntries()).isPositive();

            h.watermark("2026-03-02T15:00:00Z");
            assertThat(h.approved()).hasSize(2); // one at once, one at 13:00Z
            assertThat(h.keyedStateEntries()).isPositive();
            assertThat(h.eventTimeTimers()).isEqualTo(1); // the cleanup timer

            // One cleanup timer per subject, at the later of the dedupe (7 days) and retro
            // (30 days) deadlines.
            h.watermark("2026-03-10T15:00:00Z");
            assertThat(h.keysIn(Descriptors.RECENT_ALLOWS.getName())).isEqualTo(1);
            assertThat(h.keysIn(Descriptors.DEFERRED.getName())).isZero();
            assertThat(h.eventTimeTimers()).isEqualTo(1);

            h.watermark("2026-04-02T15:00:01Z");
            assertThat(h.keyedStateEntries()).isZero();
            assertThat(h.eventTimeTimers()).isZero();
            assertThat(h.pendingGauge()).isZero();
            assertThat(h.deferredGauge()).isZero();
        }
    }

    @Test
    void blockedSendsLeaveNoStateAfterTheDedupeWindow() throws Exception {
        try (DecisionHarness h = DecisionHarness.open()) {
            // GB marketing email without consent: BLOCK, remembered only for dedupe.
            h.send(aSend().id("blocked").at(T).build()).watermark(T);
            assertThat(h.decisionOf("blocked").getVerdict()).isEqualTo(Verdict.BLOCK);
            assertThat(h.keysIn(Descriptors.SUBJECT.getName())).isEqualTo(1);
            assertThat(h.keysIn(Descriptors.RECENT_ALLOWS.getName())).isZero();

            h.watermark("2026-03-09T12:00:00Z"); // exactly 7 days: still a duplicate window
            assertThat(h.keysIn(Descriptors.SUBJECT.getName())).isEqualTo(1);

            h.watermark("2026-03-09T12:00:00.001Z");
            assertThat(h.keyedStateEntries()).isZero();
            assertThat(h.eventTimeTimers()).isZero();
        }
    }

    @Test
    void refusalsOnFileAreKeptAfterTheWindows() throws Exception {
        try (DecisionHarness h = DecisionHarness.open()) {
            h.consent(an(ConsentEventType.OBJECTION).anyBrand().anyChannel().at(T).build())
                    .watermark("2027-03-02T12:00:00Z");
            // The ledger: objections never expire.
            assertThat(h.keysIn(Descriptors.SUBJECT.getName())).isEqualTo(1);
            assertThat(h.keysIn(Descriptors.PENDING.getName())).isZero();
            assertThat(h.eventTimeTimers()).isZero();
        }
    }

    @Test
    void auditIdsAreDeterministic() throws Exception {
        String first;
        try (DecisionHarness h = DecisionHarness.open()) {
            h.send(aSend().id("m1").at(T).build()).watermark(T);
            first = h.decisionOf("m1").getAuditId();
        }
        try (DecisionHarness h = DecisionHarness.open()) {
            h.send(aSend().id("m1").at(T).build()).watermark(T);
            assertThat(h.decisionOf("m1").getAuditId()).isEqualTo(first);
        }
    }

    @Test
    void auditEventsCarryNoPayload() throws Exception {
        try (DecisionHarness h = DecisionHarness.open()) {
            h.consent(aConsent().at("2026-01-10T09:00:00Z").build())
                    .send(aSend().id("m1").at(T).build())
                    .watermark(T);
            AuditEvent d = h.decisionOf("m1");
            assertThat(d.getSchema().getField("payload")).isNull();
            assertThat(d.toString()).doesNotContain("payload");
        }
    }
}
