package io.consentgate.filter;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgate.filter.internal.DecodedSend;
import java.time.Duration;
import org.apache.flink.api.common.eventtime.WatermarkAlignmentParams;
import org.apache.flink.api.common.eventtime.WatermarkStrategy;
import org.junit.jupiter.api.Test;

class InputWatermarksTest {

    @Test
    void sendsAndConsentSourcesReadInStepWithinTheMaximumDrift() {
        WatermarkStrategy<DecodedSend> aligned =
                InputWatermarks.aligned(
                        InputWatermarks.forSends(Duration.ofMillis(300), Duration.ofSeconds(60)),
                        Duration.ofSeconds(30));
        WatermarkAlignmentParams params = aligned.getAlignmentParameters();
        assertThat(params.getWatermarkGroup()).isEqualTo(InputWatermarks.ALIGNMENT_GROUP);
        assertThat(params.getMaxAllowedWatermarkDrift()).isEqualTo(30_000L);

        WatermarkStrategy<DecodedSend> off =
                InputWatermarks.aligned(
                        InputWatermarks.forSends(Duration.ofMillis(300), Duration.ofSeconds(60)),
                        Duration.ZERO);
        assertThat(off.getAlignmentParameters().isEnabled()).isFalse();
    }
}
