package io.consentgate.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consentgate.schema.Channel;
import io.consentgate.schema.PreferenceRegistry;
import org.junit.jupiter.api.Test;

class PolicyTest {
    private final String base = Policy.defaultPolicy().yaml();

    @Test
    void defaultPolicyHoldsEveryParameter() {
        Policy p = Policy.defaultPolicy();
        assertThat(p.id()).isEqualTo("default");
        assertThat(p.version()).isEqualTo(1);
        assertThat(p.regimeOf("GB")).isEqualTo(Regime.GDPR);
        assertThat(p.regimeOf("NO")).isEqualTo(Regime.GDPR);
        assertThat(p.regimeOf("DE")).isEqualTo(Regime.GDPR);
        assertThat(p.regimeOf("CA-QC")).isEqualTo(Regime.CASL);
        assertThat(p.regimeOf("US-CA")).isEqualTo(Regime.US);
        assertThat(p.regimeOf("CH")).isNull();
        assertThat(p.regimeOf("G")).isNull();
        assertThat(p.regimeOf("GBR")).isNull();
        assertThat(p.ageOfDigitalConsent("GB")).isEqualTo(13);
        assertThat(p.ageOfDigitalConsent("AT")).isEqualTo(14);
        assertThat(p.ageOfDigitalConsent("FR")).isEqualTo(15);
        assertThat(p.ageOfDigitalConsent("DE")).isEqualTo(16);
        assertThat(p.consentRefreshMonths()).isEqualTo(24);
        assertThat(p.softOptInWindowMonths()).isEqualTo(24);
        assertThat(p.caslPurchaseWindowMonths()).isEqualTo(24);
        assertThat(p.caslInquiryWindowMonths()).isEqualTo(6);
        assertThat(p.registryDelayDays(PreferenceRegistry.TPS)).isEqualTo(28);
        assertThat(p.registryDelayDays(PreferenceRegistry.NATIONAL_DNC)).isEqualTo(31);
        assertThat(p.usQuietHours("US-NY")).isEqualTo(new Policy.TimeWindow(8 * 60, 21 * 60));
        assertThat(p.caWeekdayHours()).isEqualTo(new Policy.TimeWindow(9 * 60, 21 * 60 + 30));
        assertThat(p.caWeekendHours()).isEqualTo(new Policy.TimeWindow(10 * 60, 18 * 60));
        assertThat(p.dedupeWindowMillis()).isEqualTo(7L * 24 * 3600 * 1000);
        assertThat(p.frequencyCap(Channel.EMAIL)).isNull();
        assertThat(p.oneClickUnsubscribeRequired()).isFalse();
    }

    @Test
    void subdivisionMayNarrowUsQuietHours() throws Exception {
        Policy p =
                Policy.fromYaml(
                        base.replace(
                                "bySubdivision: {}",
                                "bySubdivision: {US-FL: {start: \"08:00\", end: \"20:00\"}}"));
        assertThat(p.usQuietHours("US-FL")).isEqualTo(new Policy.TimeWindow(8 * 60, 20 * 60));
        assertThat(p.usQuietHours("US-NY")).isEqualTo(new Policy.TimeWindow(8 * 60, 21 * 60));
    }

    @Test
    void rejectsAnUnknownFieldNamingIt() {
        assertThatThrownBy(() -> Policy.fromYaml(base + "\nsurpriseField: 1\n"))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining("'surpriseField'")
                .hasMessageContaining("unknown field");
    }

    @Test
    void rejectsAMissingFieldNamingIt() {
        assertThatThrownBy(() -> Policy.fromYaml(base.replace("dedupeWindowDays: 7", "")))
                .isInstanceOf(PolicyException.class)
                .hasMessageContaining("'dedupeWindowDays'")
                .hasMessageContaining("required");
    }

    @Test
    void rejectsAnOutOfRangeNestedField() {
        assertThatThrownBy(
                        () ->
                                Policy.fromYaml(
                                        base.replace(
                                                "inquiryWindowMonths: 6",
                                                "inquiryWindowMonths: -1")))
                .hasMessageContaining("'casl.inquiryWindowMonths'");
    }

    @Test
    void rejectsABadCountryCode() {
        assertThatThrownBy(() -> Policy.fromYaml(base.replace("CASL: [CA]", "CASL: [Canada]")))
                .hasMessageContaining("'regimes.CASL[0]'")
                .hasMessageContaining("Canada");
    }

    @Test
    void rejectsAWindowThatEndsBeforeItStarts() {
        assertThatThrownBy(
                        () ->
                                Policy.fromYaml(
                                        base.replace(
                                                "weekend: {start: \"10:00\", end: \"18:00\"}",
                                                "weekend: {start: \"18:00\", end: \"10:00\"}")))
                .hasMessageContaining("'caCallingHours.weekend.end'");
    }

    @Test
    void rejectsASubdivisionThatWidensTheFederalWindow() {
        assertThatThrownBy(
                        () ->
                                Policy.fromYaml(
                                        base.replace(
                                                "bySubdivision: {}",
                                                "bySubdivision: {US-TX: {start: \"07:00\", end: \"21:00\"}}")))
                .hasMessageContaining("'usQuietHours.bySubdivision.US-TX'");
    }

    @Test
    void rejectsAFrequencyCapOnAnUnknownChannel() {
        assertThatThrownBy(
                        () ->
                                Policy.fromYaml(
                                        base.replace(
                                                "frequencyCaps: {}",
                                                "frequencyCaps: {FAX: {max: 1, windowHours: 1}}")))
                .hasMessageContaining("'frequencyCaps.FAX'");
    }

    @Test
    void rejectsTextThatIsNotYaml() {
        assertThatThrownBy(() -> Policy.fromYaml("id: [unclosed"))
                .isInstanceOf(PolicyException.class)
                .hasMessageStartingWith("policy: not valid YAML");
        assertThatThrownBy(() -> Policy.fromYaml("- a list")).hasMessageContaining("YAML map");
    }

    @Test
    void countryDeclaredTwiceIsRejected() {
        assertThatThrownBy(() -> Policy.fromYaml(base.replace("US: [US]", "US: [US, CA]")))
                .hasMessageContaining("listed twice");
    }
}
