package io.consentgate.demo;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.consentgate.filter.FilterConfig;
import java.io.Reader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.flink.runtime.util.EnvironmentInformation;
import org.apache.kafka.common.utils.AppInfoParser;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * docker/ (DESIGN §8-§9: the stack for running the job on a real cluster, Prometheus and the
 * Grafana dashboard), checked without Docker: every image runs the version this build uses, the
 * submitted job's arguments are a valid filter configuration, the topics created are the ones the
 * filter uses, Prometheus scrapes every Flink process on its reporter port, and Grafana finds the
 * dashboard and its data source. That every dashboard query names a metric the job really exports
 * is checked against a running job by {@code DemoTest}.
 */
class DockerStackTest {

    private static final Path DOCKER = DockerStack.dir();
    private static final JsonNode COMPOSE = compose();

    private static JsonNode compose() {
        // SnakeYAML resolves the anchors (the shared Flink configuration).
        try (Reader r = Files.newBufferedReader(DOCKER.resolve("compose.yaml"))) {
            Object tree = new Yaml().load(r);
            return new ObjectMapper().valueToTree(tree);
        } catch (Exception e) {
            throw new IllegalStateException("cannot read docker/compose.yaml", e);
        }
    }

    private static JsonNode service(String name) {
        JsonNode s = COMPOSE.path("services").path(name);
        assertThat(s.isMissingNode()).as("service %s", name).isFalse();
        return s;
    }

    private static String rootPomProperty(String pattern) throws Exception {
        String pom = Files.readString(DOCKER.getParent().resolve("pom.xml"));
        Matcher m = Pattern.compile(pattern).matcher(pom);
        assertThat(m.find()).as("pom.xml has %s", pattern).isTrue();
        return m.group(1);
    }

    private static Properties flinkProperties(JsonNode service) throws Exception {
        Properties p = new Properties();
        // FLINK_PROPERTIES is YAML lines "key: value"; Properties reads ':' as a separator.
        p.load(
                new java.io.StringReader(
                        service.path("environment").path("FLINK_PROPERTIES").asText()));
        return p;
    }

    @Test
    void everyImageRunsTheVersionThisBuildUses() throws Exception {
        String flink = EnvironmentInformation.getVersion();
        String kafka = AppInfoParser.getVersion();
        String apicurio = rootPomProperty("<apicurio.version>([^<]+)</apicurio.version>");
        for (String s : List.of("jobmanager", "taskmanager", "submit")) {
            assertThat(service(s).path("image").asText()).isEqualTo("flink:" + flink + "-java17");
        }
        for (String s : List.of("kafka", "topics")) {
            assertThat(service(s).path("image").asText()).isEqualTo("apache/kafka:" + kafka);
        }
        assertThat(service("registry").path("image").asText())
                .isEqualTo("apicurio/apicurio-registry:" + apicurio);
        COMPOSE.path("services")
                .forEach(
                        s ->
                                assertThat(s.path("image").asText())
                                        .as("pinned, never latest")
                                        .matches(".+:[0-9v][^:]*")
                                        .doesNotEndWith(":latest"));
    }

    @Test
    void theSubmittedJobIsTheShadedJarWithAValidConfiguration() throws Exception {
        List<String> command = new ArrayList<>();
        service("submit").path("command").forEach(a -> command.add(a.asText()));
        int jar = -1;
        for (int i = 0; i < command.size(); i++) {
            if (command.get(i).endsWith("-job.jar")) {
                jar = i;
            }
        }
        assertThat(jar).as("the job jar in %s", command).isPositive();
        String version =
                rootPomProperty(
                        "<artifactId>consentgate-parent</artifactId>\\s*<version>([^<]+)</version>");
        assertThat(command.get(jar))
                .isEqualTo("/opt/consentgate/consentgate-filter-" + version + "-job.jar");
        assertThat(service("submit").path("volumes").get(0).asText())
                .isEqualTo("../jobs/filter/target:/opt/consentgate:ro");

        FilterConfig config =
                FilterConfig.fromArgs(
                        command.subList(jar + 1, command.size()).toArray(String[]::new));
        assertThat(config.bootstrapServers()).isEqualTo("kafka:9092");
        assertThat(service("kafka").path("environment").path("KAFKA_ADVERTISED_LISTENERS").asText())
                .contains("//kafka:9092");
        assertThat(config.registryUrl()).startsWith("http://registry:8080/");
        assertThat(config.deliveryGuarantee()).isEqualTo(FilterConfig.Guarantee.EXACTLY_ONCE);
        assertThat(
                        service("kafka")
                                .path("environment")
                                .path("KAFKA_TRANSACTION_MAX_TIMEOUT_MS")
                                .asLong())
                .isGreaterThan(config.transactionTimeout().toMillis());
        int slots =
                Integer.parseInt(
                        flinkProperties(service("taskmanager"))
                                .getProperty("taskmanager.numberOfTaskSlots"));
        assertThat(config.parallelism()).isBetween(1, slots);
    }

    @Test
    void theTopicsCreatedAreTheOnesTheFilterUses() throws Exception {
        // As compose runs it: "$$" escapes a "$" from compose's own interpolation.
        String script = service("topics").path("command").get(0).asText().replace("$$", "$");
        FilterConfig defaults =
                FilterConfig.fromArgs("--bootstrap.servers", "k:1", "--registry.url", "http://r");
        for (String topic :
                List.of(
                        defaults.sendsTopic(),
                        defaults.consentTopic(),
                        defaults.policyTopic(),
                        defaults.approvedTopic(),
                        defaults.deferredTopic(),
                        defaults.auditTopic(),
                        defaults.deadLetterTopic())) {
            assertThat(script).contains(" " + topic);
        }
        // The inputs keep every record; the policy topic is re-read from the start.
        assertThat(script)
                .contains(
                        "for topic in sends.requested consent.events compliance.policy; do"
                                + " $t --topic $topic --config retention.ms=-1; done");
        JsonNode env = service("kafka").path("environment");
        for (String single :
                List.of(
                        "KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR",
                        "KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR",
                        "KAFKA_TRANSACTION_STATE_LOG_MIN_ISR",
                        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_REPLICATION_FACTOR",
                        "KAFKA_SHARE_COORDINATOR_STATE_TOPIC_MIN_ISR")) {
            assertThat(env.path(single).asInt()).as(single).isEqualTo(1);
        }
    }

    @Test
    void prometheusScrapesEveryFlinkProcessOnItsReporterPort() throws Exception {
        Set<String> expected = new HashSet<>();
        for (String s : List.of("jobmanager", "taskmanager")) {
            Properties flink = flinkProperties(service(s));
            assertThat(flink.getProperty("metrics.reporter.prom.factory.class"))
                    .isEqualTo("org.apache.flink.metrics.prometheus.PrometheusReporterFactory");
            assertThat(service(s).path("command").asText()).isEqualTo(s);
            expected.add(s + ":" + flink.getProperty("metrics.reporter.prom.port"));
        }
        JsonNode prometheus = DockerStack.yaml(DOCKER.resolve("prometheus/prometheus.yml"));
        Set<String> targets = new HashSet<>();
        prometheus
                .path("scrape_configs")
                .forEach(
                        c ->
                                c.path("static_configs")
                                        .forEach(
                                                sc ->
                                                        sc.path("targets")
                                                                .forEach(
                                                                        t ->
                                                                                targets.add(
                                                                                        t
                                                                                                .asText()))));
        assertThat(targets).isEqualTo(expected);
        assertThat(service("prometheus").path("volumes").get(0).asText())
                .isEqualTo("./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro");
    }

    @Test
    void grafanaLoadsTheDashboardWithItsDataSource() {
        JsonNode datasources =
                DockerStack.yaml(
                        DOCKER.resolve("grafana/provisioning/datasources/prometheus.yaml"));
        String uid = datasources.path("datasources").get(0).path("uid").asText();
        assertThat(datasources.path("datasources").get(0).path("url").asText())
                .isEqualTo("http://prometheus:9090");

        JsonNode dashboard = DockerStack.dashboard();
        assertThat(dashboard.path("panels").size()).isGreaterThan(10);
        dashboard
                .path("panels")
                .forEach(
                        p -> {
                            if (!p.path("type").asText().equals("row")) {
                                assertThat(p.path("datasource").path("uid").asText())
                                        .as(p.path("title").asText())
                                        .isEqualTo(uid);
                                assertThat(p.path("targets").size()).isPositive();
                                p.path("targets")
                                        .forEach(t -> assertBalanced(t.path("expr").asText()));
                            }
                        });

        JsonNode providers =
                DockerStack.yaml(
                        DOCKER.resolve("grafana/provisioning/dashboards/consentgate.yaml"));
        String path = providers.path("providers").get(0).path("options").path("path").asText();
        List<String> volumes = new ArrayList<>();
        service("grafana").path("volumes").forEach(v -> volumes.add(v.asText()));
        assertThat(volumes)
                .contains(
                        "./grafana/dashboards:" + path + ":ro",
                        "./grafana/provisioning:/etc/grafana/provisioning:ro");
        assertThat(
                        service("grafana")
                                .path("environment")
                                .path("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH")
                                .asText())
                .isEqualTo(path + "/consentgate.json");
    }

    private static void assertBalanced(String expr) {
        int round = 0;
        int curly = 0;
        int square = 0;
        for (char c : expr.toCharArray()) {
            switch (c) {
                case '(' -> round++;
                case ')' -> round--;
                case '{' -> curly++;
                case '}' -> curly--;
                case '[' -> square++;
                case ']' -> square--;
                default -> {}
            }
            assertThat(round >= 0 && curly >= 0 && square >= 0).as(expr).isTrue();
        }
        assertThat(round + curly + square).as(expr).isZero();
    }
}
