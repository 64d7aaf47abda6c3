package io.consentgate.filter;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgate.filter.internal.DecodedConsent;
import io.consentgate.filter.internal.DecodedSend;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkAlignmentParams;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.junit.jupiter.api.Test;

class InputWatermarksTest {

    @Test
    void sendsAreHeldWithinTheMaximumDriftOfTheConsentSource() {
        WatermarkStrategy<DecodedSend> sends =
                InputWatermarks.alignedSends(
                        InputWatermarks.forSends(Duration.ofMillis(300), Duration.ofSeconds(60)),
                        Duration.ofSeconds(30));
        WatermarkAlignmentParams params = sends.getAlignmentParameters();
        assertThat(params.getWatermarkGroup()).isEqualTo(InputWatermarks.ALIGNMENT_GROUP);
        assertThat(params.getMaxAllowedWatermarkDrift()).isEqualTo(30_000L);

        WatermarkStrategy<DecodedSend> off =
                InputWatermarks.alignedSends(
                        InputWatermarks.forSends(Duration.ofMillis(300), Duration.ofSeconds(60)),
                        Duration.ZERO);
        assertThat(off.getAlignmentParameters().isEnabled()).isFalse();
    }

    @Test
    void consentHistoryPacesTheSendsButIsNeverPaused() {
        WatermarkStrategy<DecodedConsent> consent =
                InputWatermarks.alignedConsent(
                        InputWatermarks.forConsent(Duration.ofMillis(300), Duration.ofSeconds(60)),
                        Duration.ofSeconds(30));
        WatermarkAlignmentParams params = consent.getAlignmentParameters();
        // Same group (its watermark paces the sends), a drift no watermark plus offset can exceed.
        assertThat(params.getWatermarkGroup()).isEqualTo(InputWatermarks.ALIGNMENT_GROUP);
        assertThat(params.getMaxAllowedWatermarkDrift()).isEqualTo(Long.MAX_VALUE);

        WatermarkStrategy<DecodedConsent> off =
                InputWatermarks.alignedConsent(
                        InputWatermarks.forConsent(Duration.ofMillis(300), Duration.ofSeconds(60)),
                        Duration.ZERO);
        assertThat(off.getAlignmentParameters().isEnabled()).isFalse();
    }
}
