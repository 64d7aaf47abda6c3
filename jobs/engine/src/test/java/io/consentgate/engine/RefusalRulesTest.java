package io.consentgate.engine;

import static io.consentgate.engine.testing.ConsentBuilder.aConsent;
import static io.consentgate.engine.testing.ConsentBuilder.an;
import static io.consentgate.engine.testing.Ledgers.decide;
import static io.consentgate.engine.testing.SendBuilder.aSend;
import static org.assertj.core.api.Assertions.assertThat;

import io.consentgate.schema.Basis;
import io.consentgate.schema.Channel;
import io.consentgate.schema.ConsentEventType;
import io.consentgate.schema.EvidenceMethod;
import io.consentgate.schema.Reason;
import io.consentgate.schema.Verdict;
import org.junit.jupiter.api.Test;

class RefusalRulesTest {

    @Test
    void objectionOverridesAnEarlierConsent() {
        Decision d =
                decide(
                        aSend().inDe().build(),
                        aConsent().at("2026-01-01T00:00:00Z").build(),
                        an(ConsentEventType.OBJECTION)
                                .anyChannel()
                                .at("2026-02-01T00:00:00Z")
                                .build());
        assertThat(d.verdict()).isEqualTo(Verdict.BLOCK);
        assertThat(d.primaryReason()).isEqualTo(Reason.DM_OBJECTION);
        assertThat(d.basis()).isEqualTo(Basis.NONE);
    }

    @Test
    void objectionIsNotLiftedByAPurchase() {
        Decision d =
                decide(
                        aSend().build(),
                        an(ConsentEventType.OBJECTION)
                                .anyChannel()
                                .at("2026-01-01T00:00:00Z")
                                .build(),
                        an(ConsentEventType.PURCHASE)
                                .anyChannel()
                                .productCategory("coffee")
                                .optOutOffered()
                                .at("2026-02-01T00:00:00Z")
                                .build());
        assertThat(d.primaryReason()).isEqualTo(Reason.DM_OBJECTION);
    }

    @Test
    void objectionIsLiftedByALaterExplicitConsent() {
        Decision d =
                decide(
                        aSend().build(),
                        an(ConsentEventType.OBJECTION)
                                .anyChannel()
                                .at("2026-01-01T00:00:00Z")
                                .build(),
                        aConsent().at("2026-02-01T00:00:00Z").build());
        assertThat(d.verdict()).isEqualTo(Verdict.ALLOW);
        assertThat(d.basis()).isEqualTo(Basis.CONSENT);
    }

    @Test
    void objectionIsNotLiftedByAPreTickedConsent() {
        Decision d =
                decide(
                        aSend().build(),
                        an(ConsentEventType.OBJECTION)
                                .anyChannel()
                                .at("2026-01-01T00:00:00Z")
                                .build(),
                        aConsent()
                                .method(EvidenceMethod.PRE_TICKED)
                                .at("2026-02-01T00:00:00Z")
                                .build());
        assertThat(d.primaryReason()).isEqualTo(Reason.DM_OBJECTION);
    }

    @Test
    void globalOptOutBlocksEveryChannel() {
        Decision d =
                decide(
                        aSend().post().build(),
                        an(ConsentEventType.OPT_OUT).anyChannel().anyBrand().build());
        assertThat(d.primaryReason()).isEqualTo(Reason.OPTED_OUT);
    }

    @Test
    void smsOptOutBlocksSmsButNotEmail() {
        var optOut = an(ConsentEventType.OPT_OUT).channel(Channel.SMS).build();
        var smsConsent = aConsent().channel(Channel.SMS).at("2025-12-01T00:00:00Z").build();
        var emailConsent = aConsent().at("2025-12-01T00:00:00Z").build();
        assertThat(decide(aSend().sms().build(), smsConsent, emailConsent, optOut).primaryReason())
                .isEqualTo(Reason.CHANNEL_OPTED_OUT);
        assertThat(decide(aSend().email().build(), smsConsent, emailConsent, optOut).verdict())
                .isEqualTo(Verdict.ALLOW);
    }

    @Test
    void withdrawalForOneBrandLeavesAnotherBrandsConsent() {
        var otherBrand = aConsent().brand("brand-b").at("2025-12-01T00:00:00Z").build();
        var withdrawn =
                an(ConsentEventType.CONSENT_WITHDRAWN)
                        .brand("brand-a")
                        .at("2026-01-20T00:00:00Z")
                        .build();
        assertThat(decide(aSend().brand("brand-b").build(), otherBrand, withdrawn).verdict())
                .isEqualTo(Verdict.ALLOW);
        assertThat(decide(aSend().brand("brand-a").build(), otherBrand, withdrawn).primaryReason())
                .isEqualTo(Reason.CONSENT_WITHDRAWN);
    }

    @Test
    void consentWithdrawnThenGrantedAgainIsValid() {
        Decision d =
                decide(
                        aSend().build(),
                        aConsent().at("2025-06-01T00:00:00Z").build(),
                        an(ConsentEventType.CONSENT_WITHDRAWN).at("2025-07-01T00:00:00Z").build(),
                        aConsent().at("2025-08-01T00:00:00Z").build());
        assertThat(d.verdict()).isEqualTo(Verdict.ALLOW);
    }

    @Test
    void allFailingRefusalsAreListedInPrecedenceOrder() {
        Decision d =
                decide(
                        aSend().build(),
                        an(ConsentEventType.CONSENT_WITHDRAWN).build(),
                        an(ConsentEventType.OBJECTION).anyChannel().build(),
                        an(ConsentEventType.OPT_OUT).build());
        assertThat(d.reasons())
                .startsWith(
                        Reason.DM_OBJECTION, Reason.CHANNEL_OPTED_OUT, Reason.CONSENT_WITHDRAWN);
    }
}
