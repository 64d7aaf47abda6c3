package io.consentgate.filter;

import static io.consentgate.engine.testing.SendBuilder.aSend;
import static org.assertj.core.api.Assertions.assertThat;

import io.consentgate.engine.Decision;
import io.consentgate.schema.Basis;
import io.consentgate.schema.Reason;
import io.consentgate.schema.SendRequest;
import io.consentgate.schema.Verdict;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.Gauge;
import org.apache.flink.metrics.Histogram;
import org.apache.flink.metrics.Metric;
import org.apache.flink.metrics.MetricGroup;
import org.apache.flink.metrics.SimpleCounter;
import org.apache.flink.metrics.groups.UnregisteredMetricsGroup;
import org.junit.jupiter.api.Test;

class FilterMetricsTest {

    /** Records every metric under its dotted path; key-value groups appear as key.value. */
    static final class RecordingGroup extends UnregisteredMetricsGroup {
        final Map<String, Metric> metrics;
        final String prefix;

        RecordingGroup(Map<String, Metric> metrics, String prefix) {
            this.metrics = metrics;
            this.prefix = prefix;
        }

        @Override
        public MetricGroup addGroup(String name) {
            return new RecordingGroup(metrics, prefix + name + ".");
        }

        @Override
        public MetricGroup addGroup(String key, String value) {
            return new RecordingGroup(metrics, prefix + key + "." + value + ".");
        }

        @Override
        public Counter counter(String name) {
            return counter(name, new SimpleCounter());
        }

        @Override
        public <C extends Counter> C counter(String name, C counter) {
            metrics.put(prefix + name, counter);
            return counter;
        }

        @Override
        public <T, G extends Gauge<T>> G gauge(String name, G gauge) {
            metrics.put(prefix + name, gauge);
            return gauge;
        }

        @Override
        public <H extends Histogram> H histogram(String name, H histogram) {
            metrics.put(prefix + name, histogram);
            return histogram;
        }
    }

    private static long count(Map<String, Metric> m, String name) {
        return ((Counter) m.get(name)).getCount();
    }

    @Test
    void countsDecisionsByVerdictReasonChannelAndJurisdiction() {
        Map<String, Metric> m = new TreeMap<>();
        FilterMetrics metrics = new FilterMetrics(new RecordingGroup(m, ""), () -> 3, () -> 1);
        SendRequest gbEmail = aSend().email().inGb().build();
        SendRequest usCall = aSend().phoneCall().inUs().build();
        Decision allow =
                new Decision(Verdict.ALLOW, List.of(), Basis.CONSENT, List.of(), "default", 1, -1);
        Decision block =
                new Decision(
                        Verdict.BLOCK,
                        List.of(Reason.OPTED_OUT, Reason.NO_LAWFUL_BASIS),
                        Basis.NONE,
                        List.of(),
                        "default",
                        1,
                        -1);

        metrics.decided(gbEmail, allow, 120);
        metrics.decided(gbEmail, block, 80);
        metrics.decided(usCall, block, -5);
        metrics.lateConsentEvent();
        metrics.retroactiveViolation();
        metrics.deadLetters().count("BAD_MAGIC_BYTE");

        assertThat(count(m, "consentgate.verdict.ALLOW.decisions")).isEqualTo(1);
        assertThat(count(m, "consentgate.verdict.BLOCK.decisions")).isEqualTo(2);
        assertThat(count(m, "consentgate.reason.OPTED_OUT.decisions")).isEqualTo(2);
        assertThat(m).doesNotContainKey("consentgate.reason.NO_LAWFUL_BASIS.decisions");
        assertThat(count(m, "consentgate.channel.EMAIL.decisions")).isEqualTo(2);
        assertThat(count(m, "consentgate.channel.PHONE_CALL.decisions")).isEqualTo(1);
        assertThat(count(m, "consentgate.jurisdiction.GB.decisions")).isEqualTo(2);
        assertThat(count(m, "consentgate.jurisdiction.US-NY.decisions")).isEqualTo(1);
        assertThat(count(m, "consentgate.lateConsentEvents")).isEqualTo(1);
        assertThat(count(m, "consentgate.retroactiveViolations")).isEqualTo(1);
        assertThat(count(m, "consentgate.code.BAD_MAGIC_BYTE.deadLetters")).isEqualTo(1);
        assertThat(((Histogram) m.get("consentgate.decisionLagMillis")).getCount()).isEqualTo(3);
        assertThat(((Gauge<?>) m.get("consentgate.pendingRecords")).getValue()).isEqualTo(3L);
        assertThat(((Gauge<?>) m.get("consentgate.deferredSends")).getValue()).isEqualTo(1L);
    }

    @Test
    void countsShadowDisagreementsAndExposesThePolicyVersions() {
        Map<String, Metric> m = new TreeMap<>();
        FilterMetrics metrics = new FilterMetrics(new RecordingGroup(m, ""), () -> 0, () -> 0);
        metrics.policyGauges(() -> 3, () -> -1);
        metrics.shadowDecided(Verdict.ALLOW, Verdict.ALLOW);
        metrics.shadowDecided(Verdict.ALLOW, Verdict.BLOCK);
        metrics.shadowDecided(Verdict.DEFER, Verdict.BLOCK);
        metrics.policyRejected();

        assertThat(count(m, "consentgate.shadowDecisions")).isEqualTo(3);
        assertThat(count(m, "consentgate.shadowDisagreements")).isEqualTo(2);
        assertThat(count(m, "consentgate.policyRejections")).isEqualTo(1);
        assertThat(count(m, "consentgate.policyActivations")).isZero();
        assertThat(((Gauge<?>) m.get("consentgate.activePolicyVersion")).getValue()).isEqualTo(3);
        assertThat(((Gauge<?>) m.get("consentgate.shadowPolicyVersion")).getValue()).isEqualTo(-1);
    }

    @Test
    void jurisdictionLabelsAreBounded() {
        Map<String, Metric> m = new TreeMap<>();
        FilterMetrics metrics = new FilterMetrics(new RecordingGroup(m, ""), () -> 0, () -> 0);
        Decision allow =
                new Decision(Verdict.ALLOW, List.of(), Basis.CONSENT, List.of(), "default", 1, -1);
        for (int i = 0; i < FilterMetrics.MAX_JURISDICTIONS + 50; i++) {
            metrics.decided(aSend().in("X" + i, "UTC").build(), allow, 0);
        }
        long labels = m.keySet().stream().filter(k -> k.contains(".jurisdiction.")).count();
        assertThat(labels).isLessThanOrEqualTo(FilterMetrics.MAX_JURISDICTIONS + 1);
        assertThat(count(m, "consentgate.jurisdiction.OTHER.decisions")).isPositive();
    }
}
