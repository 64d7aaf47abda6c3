package io.consentgate.filter;

import java.util.HashMap;
import java.util.Map;
import org.apache.flink.metrics.Counter;
import org.apache.flink.metrics.MetricGroup;

/** Dead letters by error code, as counters {@code consentgate.code.<CODE>.deadLetters}. */
final class DeadLetterMetrics {
    private final MetricGroup group;
    private final Map<String, Counter> byCode = new HashMap<>();

    DeadLetterMetrics(MetricGroup operatorGroup) {
        this.group = operatorGroup.addGroup("consentgate");
    }

    void count(String code) {
        byCode.computeIfAbsent(code, c -> group.addGroup("code", c).counter("deadLetters")).inc();
    }
}
