package io.consentgate.bench.harness;

import java.util.LinkedHashMap;
import java.util.Map;
import org.HdrHistogram.Histogram;

/** What one variant did in one phase (the preloaded backlog, or a paced run). */
final class Measurement {
    final Variant variant;
    final String phase;
    long launchedAt;
    long readyAt;
    long firstVisible = -1;
    long lastVisible = -1;
    long expectedSends;
    long sendsSeen;
    long consentsSeen;
    long inputRecords;
    double cpuAtReady;
    double cpuAtEnd;
    double peakRssMiB;
    double brokerCpu = -1;
    double[] loadAtStart;
    double[] loadAtEnd;
    double pacedRate;
    long measuredSends;

    /** Durations of the Flink variant's completed checkpoints, from its log (ms). */
    final java.util.List<Long> checkpointMillis = new java.util.ArrayList<>();

    /** Decisions the variant marked late (decided on arrival, behind its watermark). */
    long late;

    /** Backlog: ms from the variant's start; paced: ms from the send's production. */
    final Histogram latency = new Histogram(3_600_000L, 3);

    final Map<String, Long> verdicts = new LinkedHashMap<>();

    Measurement(Variant variant, String phase) {
        this.variant = variant;
        this.phase = phase;
    }

    /** Seconds from the ready signal to the last output visible. */
    double processingSeconds() {
        return (lastVisible - readyAt) / 1000.0;
    }

    double startupSeconds() {
        return (readyAt - launchedAt) / 1000.0;
    }

    double sendsPerSecond() {
        return expectedSends / processingSeconds();
    }
}
