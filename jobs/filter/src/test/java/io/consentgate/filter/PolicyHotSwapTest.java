package io.consentgate.filter;

import static io.consentgate.engine.testing.ConsentBuilder.aConsent;
import static io.consentgate.engine.testing.SendBuilder.aSend;
import static io.consentgate.filter.PolicyBuilder.aPolicy;
import static org.assertj.core.api.Assertions.assertThat;

import io.consentgate.schema.AuditEvent;
import io.consentgate.schema.AuditKind;
import io.consentgate.schema.PolicyDocument;
import io.consentgate.schema.Reason;
import io.consentgate.schema.Verdict;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Policy versions from the policy topic (broadcast input) in the decision operator, on RocksDB:
 * chosen by event time, validated, rejected or activated with one alert, and a shadow policy
 * recorded beside the active one.
 *
 * <p>Every test starts from a consent granted on 2026-01-10: under the default policy (version 1,
 * consent fresh for 24 months) a GB marketing email in March is allowed; under a "strict" version
 * (consent fresh for 1 month) it is blocked CONSENT_STALE.
 */
class PolicyHotSwapTest {
    private static final String GRANTED = "2026-01-10T09:00:00Z";
    private static final String E = "2026-03-02T12:00:00Z";

    private static DecisionHarness granted() throws Exception {
        return DecisionHarness.open().consent(aConsent().id("grant").at(GRANTED).build());
    }

    @Test
    void aNewVersionDecidesSendsFromItsEffectiveFromOnEvenWhenItArrivesAfterThem()
            throws Exception {
        PolicyDocument v2 = aPolicy().version(2).effectiveFrom(E).strict().build();
        try (DecisionHarness h = granted()) {
            h.send(aSend().id("before").at("2026-03-02T11:59:59.999Z").build())
                    .send(aSend().id("at").at(E).build())
                    .send(aSend().id("after").at("2026-03-02T13:00:00Z").build())
                    // Arrives after the sends it governs, before the watermark passes them.
                    .policy(v2)
                    .watermark("2026-03-02T13:00:00Z");

            assertThat(h.decisionOf("before").getVerdict()).isEqualTo(Verdict.ALLOW);
            assertThat(h.decisionOf("before").getPolicyVersion()).isEqualTo(1);
            for (String id : List.of("at", "after")) {
                AuditEvent d = h.decisionOf(id);
                assertThat(d.getPolicyVersion()).as(id).isEqualTo(2);
                assertThat(d.getVerdict()).as(id).isEqualTo(Verdict.BLOCK);
                assertThat(d.getReasons()).as(id).contains(Reason.CONSENT_STALE);
            }
            assertThat(h.approved())
                    .singleElement()
                    .satisfies(a -> assertThat(a.getPolicyVersion()).isEqualTo(1));

            // A late send is decided at once, still with the version in force at its time.
            h.send(aSend().id("late").at("2026-03-02T11:00:00Z").build());
            assertThat(h.decisionOf("late").getLate()).isTrue();
            assertThat(h.decisionOf("late").getPolicyVersion()).isEqualTo(1);

            assertThat(h.policyAlerts())
                    .singleElement()
                    .satisfies(
                            a -> {
                                assertThat(a.getKind()).isEqualTo(AuditKind.POLICY_ACTIVATED);
                                assertThat(a.getPolicyId()).isEqualTo("default");
                                assertThat(a.getPolicyVersion()).isEqualTo(2);
                                assertThat(a.getEventTime()).isEqualTo(Instant.parse(E));
                                assertThat(a.getLate()).isFalse();
                                assertThat(a.getDetail()).contains("role=ACTIVE");
                                assertThat(a.getTenantId()).isEqualTo(Records.SYSTEM_TENANT);
                                assertThat(a.getSubjectId()).isEqualTo(Records.POLICY_SUBJECT);
                            });
            assertThat(h.storedVersions()).isEqualTo(Map.of("default", List.of(2)));
        }
    }

    @Test
    void policyAlertIdsAreDeterministic() throws Exception {
        PolicyDocument v2 = aPolicy().version(2).strict().build();
        String first;
        try (DecisionHarness h = DecisionHarness.open()) {
            first = h.policy(v2).policyAlerts().get(0).getAuditId();
        }
        try (DecisionHarness h = DecisionHarness.open()) {
            assertThat(h.policy(v2).policyAlerts().get(0).getAuditId()).isEqualTo(first);
        }
    }

    @Test
    void anInvalidDocumentIsRejectedNamingTheFieldAndTheOldVersionKeepsDeciding() throws Exception {
        PolicyDocument invalid = aPolicy().version(2).with("consentRefreshMonths", "0").build();
        try (DecisionHarness h = granted()) {
            h.policy(invalid)
                    .send(aSend().id("after").at("2026-03-02T13:00:00Z").build())
                    .watermark("2026-03-02T13:00:00Z");

            assertThat(h.policyAlerts())
                    .singleElement()
                    .satisfies(
                            a -> {
                                assertThat(a.getKind()).isEqualTo(AuditKind.POLICY_REJECTED);
                                assertThat(a.getPolicyVersion()).isEqualTo(2);
                                assertThat(a.getDetail()).contains("consentRefreshMonths");
                                // The message, never the document.
                                assertThat(a.getDetail()).doesNotContain("regimes", "GDPR");
                                assertThat(a.getDetail().length())
                                        .isLessThanOrEqualTo(Records.MAX_DETAIL_CHARS);
                            });
            AuditEvent d = h.decisionOf("after");
            assertThat(d.getPolicyVersion()).isEqualTo(1);
            assertThat(d.getVerdict()).isEqualTo(Verdict.ALLOW);
            assertThat(h.storedVersions()).isEmpty();
        }
    }

    @Test
    void aDocumentThatIsNotYamlIsRejected() throws Exception {
        try (DecisionHarness h = DecisionHarness.open()) {
            h.policy(aPolicy().yaml("id: [unclosed").build());
            assertThat(h.policyAlerts())
                    .singleElement()
                    .satisfies(
                            a -> {
                                assertThat(a.getKind()).isEqualTo(AuditKind.POLICY_REJECTED);
                                assertThat(a.getDetail()).startsWith("policy: not valid YAML");
                            });
        }
    }

    @Test
    void aVersionNotNewerThanTheNewestKnownIsRejected() throws Exception {
        try (DecisionHarness h = granted()) {
            h.policy(aPolicy().version(1).strict().build()) // the configured default is v1
                    .policy(aPolicy().version(3).build())
                    .policy(aPolicy().version(2).strict().build())
                    .send(aSend().id("m1").at("2026-03-02T13:00:00Z").build())
                    .watermark("2026-03-02T13:00:00Z");

            assertThat(h.policyAlerts())
                    .extracting(AuditEvent::getKind, AuditEvent::getPolicyVersion)
                    .containsExactly(
                            org.assertj.core.groups.Tuple.tuple(AuditKind.POLICY_REJECTED, 1),
                            org.assertj.core.groups.Tuple.tuple(AuditKind.POLICY_ACTIVATED, 3),
                            org.assertj.core.groups.Tuple.tuple(AuditKind.POLICY_REJECTED, 2));
            assertThat(h.policyAlerts().get(0).getDetail())
                    .isEqualTo("version 1 is not newer than version 1 of policy 'default'");
            assertThat(h.policyAlerts().get(2).getDetail())
                    .isEqualTo("version 2 is not newer than version 3 of policy 'default'");
            assertThat(h.decisionOf("m1").getPolicyVersion()).isEqualTo(3);
            assertThat(h.decisionOf("m1").getVerdict()).isEqualTo(Verdict.ALLOW);
        }
    }

    @Test
    void aHeaderThatDisagreesWithItsYamlOrAnUnknownIdIsRejected() throws Exception {
        try (DecisionHarness h = DecisionHarness.open()) {
            h.policy(aPolicy().version(2).header("default", 3).build())
                    .policy(aPolicy().id("acme").version(2).header("default", 2).build())
                    .policy(aPolicy().id("acme").version(2).build());

            assertThat(h.policyAlerts())
                    .extracting(AuditEvent::getDetail)
                    .containsExactly(
                            "version 3 differs from the document's version 2",
                            "policyId 'default' differs from the document's id 'acme'",
                            "policyId 'acme' is neither the active policy 'default' nor the"
                                    + " shadow policy (none configured)");
            assertThat(h.policyAlerts())
                    .allSatisfy(a -> assertThat(a.getKind()).isEqualTo(AuditKind.POLICY_REJECTED));
            assertThat(h.storedVersions()).isEmpty();
        }
    }

    @Test
    void aVersionArrivingBehindTheWatermarkGovernsLaterSendsAndIsMarkedLate() throws Exception {
        try (DecisionHarness h = granted()) {
            h.send(aSend().id("early").at("2026-03-02T12:30:00Z").build())
                    .watermark("2026-03-02T12:30:00Z")
                    .policy(aPolicy().version(2).effectiveFrom(E).strict().build())
                    .send(aSend().id("later").at("2026-03-02T14:00:00Z").build())
                    .watermark("2026-03-02T14:00:00Z");

            // Already decided: stays decided under version 1.
            assertThat(h.decisionOf("early").getPolicyVersion()).isEqualTo(1);
            assertThat(h.decisionOf("later").getPolicyVersion()).isEqualTo(2);
            assertThat(h.policyAlerts())
                    .singleElement()
                    .satisfies(
                            a -> {
                                assertThat(a.getKind()).isEqualTo(AuditKind.POLICY_ACTIVATED);
                                assertThat(a.getLate()).isTrue();
                            });
        }
    }

    @Test
    void theShadowVerdictIsRecordedAndDisagreementsAreCounted() throws Exception {
        ComplianceFunction.Settings withShadow =
                DecisionHarness.SETTINGS.withShadow(
                        aPolicy().id("candidate").version(1).strict().yaml(), null);
        try (DecisionHarness h = DecisionHarness.open(withShadow)) {
            h.consent(aConsent().id("grant").at(GRANTED).build())
                    .send(aSend().id("marketing").at(E).build())
                    .send(aSend().id("service").service().at(E).build())
                    .watermark(E);

            AuditEvent marketing = h.decisionOf("marketing");
            assertThat(marketing.getVerdict()).isEqualTo(Verdict.ALLOW);
            assertThat(marketing.getPolicyId()).isEqualTo("default");
            assertThat(marketing.getShadowVerdict()).isEqualTo(Verdict.BLOCK);
            assertThat(marketing.getShadowPolicyVersion()).isEqualTo(1);
            AuditEvent service = h.decisionOf("service");
            assertThat(service.getShadowVerdict()).isEqualTo(Verdict.ALLOW);
            // The shadow never decides: both are approved.
            assertThat(h.approved()).hasSize(2);
            assertThat(h.shadowDecisions()).isEqualTo(2);
            assertThat(h.shadowDisagreements()).isEqualTo(1);

            // A new shadow version from the topic: its id is the shadow file's.
            h.policy(
                            aPolicy()
                                    .id("candidate")
                                    .version(2)
                                    .effectiveFrom("2026-03-02T13:00:00Z")
                                    .build())
                    .send(aSend().id("m2").at("2026-03-02T14:00:00Z").build())
                    .watermark("2026-03-02T14:00:00Z");

            assertThat(h.policyAlerts())
                    .singleElement()
                    .satisfies(
                            a -> {
                                assertThat(a.getKind()).isEqualTo(AuditKind.POLICY_ACTIVATED);
                                assertThat(a.getPolicyId()).isEqualTo("candidate");
                                assertThat(a.getDetail()).contains("role=SHADOW");
                            });
            AuditEvent m2 = h.decisionOf("m2");
            assertThat(m2.getPolicyVersion()).isEqualTo(1);
            assertThat(m2.getShadowVerdict()).isEqualTo(Verdict.ALLOW);
            assertThat(m2.getShadowPolicyVersion()).isEqualTo(2);
            assertThat(h.shadowDisagreements()).isEqualTo(1);
            assertThat(h.storedVersions()).isEqualTo(Map.of("candidate", List.of(2)));
        }
    }

    @Test
    void aShadowFromTheTopicOnlyStartsAtItsFirstVersion() throws Exception {
        ComplianceFunction.Settings shadowId =
                DecisionHarness.SETTINGS.withShadow(null, "candidate");
        try (DecisionHarness h = DecisionHarness.open(shadowId)) {
            h.consent(aConsent().id("grant").at(GRANTED).build())
                    .policy(aPolicy().id("candidate").version(7).effectiveFrom(E).strict().build())
                    .send(aSend().id("before").at("2026-03-02T11:00:00Z").build())
                    .send(aSend().id("after").at(E).build())
                    .watermark(E);

            assertThat(h.decisionOf("before").getShadowVerdict()).isNull();
            assertThat(h.decisionOf("before").getShadowPolicyVersion()).isNull();
            assertThat(h.decisionOf("after").getShadowVerdict()).isEqualTo(Verdict.BLOCK);
            assertThat(h.decisionOf("after").getShadowPolicyVersion()).isEqualTo(7);
        }
    }

    @Test
    void onlySubtaskZeroEmitsPolicyAlertsButEverySubtaskAppliesTheVersion() throws Exception {
        PolicyDocument v2 = aPolicy().version(2).strict().build();
        PolicyDocument invalid = aPolicy().version(3).with("dedupeWindowDays", "-1").build();
        try (DecisionHarness zero = DecisionHarness.openSubtask(2, 0);
                DecisionHarness one = DecisionHarness.openSubtask(2, 1)) {
            zero.policy(v2).policy(invalid);
            one.policy(v2).policy(invalid);

            assertThat(zero.policyAlerts()).hasSize(2);
            assertThat(one.audits()).isEmpty();
            assertThat(one.storedVersions()).isEqualTo(zero.storedVersions());
        }
    }

    @Test
    void conflictingShadowSettingsFailAtStart() {
        ComplianceFunction.Settings sameAsActive =
                DecisionHarness.SETTINGS.withShadow(null, "default");
        ComplianceFunction.Settings otherId =
                DecisionHarness.SETTINGS.withShadow(
                        aPolicy().id("candidate").version(1).yaml(), "other");
        org.assertj.core.api.Assertions.assertThatThrownBy(sameAsActive::configured)
                .hasMessageContaining("a shadow needs its own id");
        org.assertj.core.api.Assertions.assertThatThrownBy(otherId::configured)
                .hasMessageContaining("policy.shadow.id 'other'");
    }
}
