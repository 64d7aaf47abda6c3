package io.consentgate.bench.harness;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The results file: {@code <results>/<date>-<label>.json}, one per run. */
final class Results {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Results() {}

    static Path write(Path dir, String label, Map<String, Object> report) throws IOException {
        Files.createDirectories(dir);
        String base = LocalDate.now(ZoneOffset.UTC) + "-" + label.replaceAll("[^A-Za-z0-9_-]", "_");
        Path out = dir.resolve(base + ".json");
        for (int n = 2; Files.exists(out); n++) {
            out = dir.resolve(base + "-" + n + ".json");
        }
        JSON.writeValue(out.toFile(), report);
        return out;
    }

    static Map<String, Object> measurement(Measurement m) {
        Map<String, Object> r = new LinkedHashMap<>();
        r.put("sends", m.expectedSends);
        r.put("inputRecords", m.inputRecords);
        r.put("startupSeconds", round(m.startupSeconds()));
        r.put("processingSeconds", round(m.processingSeconds()));
        r.put("wallSeconds", round((m.lastVisible - m.launchedAt) / 1000.0));
        r.put("sendsPerSecond", Math.round(m.sendsPerSecond()));
        r.put("inputRecordsPerSecond", Math.round(m.inputRecords / m.processingSeconds()));
        r.put("cpuSeconds", round(m.cpuAtEnd));
        r.put("cpuSecondsProcessing", round(m.cpuAtEnd - m.cpuAtReady));
        r.put(
                "cpuMicrosPerSend",
                round((m.cpuAtEnd - m.cpuAtReady) * 1e6 / Math.max(1, m.expectedSends)));
        r.put("brokerCpuSeconds", round(m.brokerCpu));
        r.put("peakRssMiB", Math.round(m.peakRssMiB));
        Map<String, Object> lat = new LinkedHashMap<>();
        lat.put(
                "from",
                m.phase.equals("backlog")
                        ? "the variant's start to visible to a read_committed consumer"
                        : "the send's production (wall clock) to visible to a read_committed"
                                + " consumer");
        lat.put("count", m.latency.getTotalCount());
        lat.put("p50", m.latency.getValueAtPercentile(50));
        lat.put("p99", m.latency.getValueAtPercentile(99));
        lat.put("p999", m.latency.getValueAtPercentile(99.9));
        lat.put("max", m.latency.getMaxValue());
        r.put("latencyMs", lat);
        if (m.phase.equals("paced")) {
            r.put("pacedSendsPerSecond", Math.round(m.pacedRate));
        }
        if (!m.phase.equals("backlog")) {
            r.put("inputWrittenPerSecond", Math.round(m.pacedRate));
            r.put("measuredSends", m.measuredSends);
        }
        if (!m.checkpointMillis.isEmpty()) {
            java.util.List<Long> sorted = new java.util.ArrayList<>(m.checkpointMillis);
            java.util.Collections.sort(sorted);
            Map<String, Object> cp = new LinkedHashMap<>();
            cp.put("completed", sorted.size());
            cp.put("medianMs", sorted.get(sorted.size() / 2));
            cp.put("maxMs", sorted.get(sorted.size() - 1));
            r.put("checkpoints", cp);
        }
        r.put("verdicts", m.verdicts);
        r.put("lateDecisions", m.late);
        r.put("loadAverageAtStart", m.loadAtStart);
        r.put("loadAverageAtEnd", m.loadAtEnd);
        return r;
    }

    private static double round(double v) {
        return Math.round(v * 100) / 100.0;
    }

    /** Versions of what ran, from the jar names on the class path. */
    static Map<String, String> versions() {
        Map<String, String> out = new LinkedHashMap<>();
        out.put("flink", jarVersion("flink-runtime"));
        out.put("flink-connector-kafka", jarVersion("flink-connector-kafka"));
        out.put("kafka-clients", jarVersion("kafka-clients"));
        out.put("kafka-streams", jarVersion("kafka-streams"));
        out.put("kafka-broker", jarVersion("kafka_2.13"));
        out.put("avro", jarVersion("avro"));
        out.put("frocksdbjni (Flink)", jarVersion("frocksdbjni"));
        out.put("rocksdbjni (Kafka Streams)", jarVersion("rocksdbjni"));
        out.put(
                "apicurio-registry",
                Path.of(System.getProperty(RegistryProcess.HOME_PROPERTY, "apicurio-3.3.3"))
                        .getFileName()
                        .toString()
                        .replace("apicurio-", ""));
        return out;
    }

    private static String jarVersion(String artifact) {
        Pattern p = Pattern.compile("^" + Pattern.quote(artifact) + "-(\\d[^/]*)\\.jar$");
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            Matcher m = p.matcher(Path.of(entry).getFileName().toString());
            if (m.matches()) {
                return m.group(1);
            }
        }
        return "unknown";
    }
}
