package io.consentgate.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** The files under {@code docker/}, read by the tests that check them. */
final class DockerStack {
    private static final Pattern METRIC = Pattern.compile("\\b(flink_[A-Za-z0-9_]+)");

    private DockerStack() {}

    /** The repository's {@code docker/} folder (tests run in jobs/demo). */
    static Path dir() {
        Path here = Path.of("").toAbsolutePath();
        for (Path p = here; p != null; p = p.getParent()) {
            if (Files.isDirectory(p.resolve("docker")) && Files.exists(p.resolve("pom.xml"))) {
                return p.resolve("docker");
            }
        }
        throw new IllegalStateException("no docker/ folder above " + here);
    }

    static JsonNode dashboard() {
        return json(dir().resolve("grafana/dashboards/consentgate.json"));
    }

    /** Every Prometheus metric name the dashboard's queries use. */
    static Set<String> dashboardMetrics() {
        Set<String> names = new TreeSet<>();
        for (JsonNode panel : dashboard().path("panels")) {
            for (JsonNode target : panel.path("targets")) {
                Matcher m = METRIC.matcher(target.path("expr").asText());
                while (m.find()) {
                    names.add(m.group(1));
                }
            }
        }
        return names;
    }

    /** The metric names in a Prometheus text exposition. */
    static Set<String> exposedMetrics(String exposition) {
        Set<String> names = new TreeSet<>();
        for (String line : exposition.split("\n")) {
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            int end = 0;
            while (end < line.length() && line.charAt(end) != '{' && line.charAt(end) != ' ') {
                end++;
            }
            names.add(line.substring(0, end));
        }
        return names;
    }

    static JsonNode yaml(Path file) {
        try {
            return new ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory())
                    .readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static JsonNode json(Path file) {
        try {
            return new ObjectMapper().readTree(file.toFile());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
