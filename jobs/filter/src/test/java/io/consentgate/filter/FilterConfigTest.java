package io.consentgate.filter;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.apache.flink.configuration.CheckpointingOptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilterConfigTest {
    private static final String[] REQUIRED = {
        "--bootstrap.servers", "broker-1:9092", "--registry.url", "http://registry:8081"
    };

    private static FilterConfig parse(String... extra) throws Exception {
        String[] args = new String[REQUIRED.length + extra.length];
        System.arraycopy(REQUIRED, 0, args, 0, REQUIRED.length);
        System.arraycopy(extra, 0, args, REQUIRED.length, extra.length);
        return FilterConfig.fromArgs(args);
    }

    @Test
    void defaultsMatchTheDesign() throws Exception {
        FilterConfig c = parse();
        assertThat(c.sendsTopic()).isEqualTo("sends.requested");
        assertThat(c.consentTopic()).isEqualTo("consent.events");
        assertThat(c.policyTopic()).isEqualTo("compliance.policy");
        assertThat(c.approvedTopic()).isEqualTo("sends.approved");
        assertThat(c.deferredTopic()).isEqualTo("sends.deferred");
        assertThat(c.auditTopic()).isEqualTo("compliance.audit");
        assertThat(c.deadLetterTopic()).isEqualTo("compliance.dlq");
        assertThat(c.maxOutOfOrderness()).isEqualTo(Duration.ofMillis(300));
        assertThat(c.sourceIdleness()).isEqualTo(Duration.ofSeconds(60));
        assertThat(c.policyIdleness()).isEqualTo(Duration.ofSeconds(2));
        assertThat(c.checkpointInterval()).isEqualTo(Duration.ofSeconds(10));
        assertThat(c.transactionTimeout()).isEqualTo(Duration.ofMillis(600_000));
        assertThat(c.deliveryGuarantee()).isEqualTo(FilterConfig.Guarantee.EXACTLY_ONCE);
        assertThat(c.retroWindow()).isEqualTo(Duration.ofDays(30));
        assertThat(c.retroMaxAllows()).isEqualTo(64);
        assertThat(c.lateSends()).isEqualTo(FilterConfig.LateSends.DECIDE);
        assertThat(c.policyFile()).isEmpty();
        assertThat(c.shadowPolicyFile()).isEmpty();
        assertThat(c.shadowPolicyId()).isEmpty();
        assertThat(c.policyMaxVersions()).isEqualTo(16);
    }

    @Test
    void exactlyOnceCheckpointsTurnUnalignedUnderBackpressureAndTolerateAFewFailures()
            throws Exception {
        org.apache.flink.configuration.Configuration eos =
                ComplianceFilterJob.flinkConfiguration(parse());
        assertThat(eos.get(CheckpointingOptions.ENABLE_UNALIGNED)).isTrue();
        assertThat(eos.get(CheckpointingOptions.ALIGNED_CHECKPOINT_TIMEOUT))
                .isEqualTo(Duration.ofSeconds(2));
        assertThat(eos.get(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER)).isEqualTo(3);
        assertThat(eos.toMap()).containsEntry("state.backend.rocksdb.use-bloom-filter", "true");
        assertThat(eos.toMap())
                .containsEntry("state.backend.rocksdb.memory.partitioned-index-filters", "true")
                .containsEntry("state.backend.rocksdb.memory.write-buffer-ratio", "0.7");
        assertThat(
                        ComplianceFilterJob.flinkConfiguration(
                                        parse("--rocksdb.write-buffer-ratio", "0.5"))
                                .toMap())
                .containsEntry("state.backend.rocksdb.memory.write-buffer-ratio", "0.5");
        assertThatThrownBy(() -> parse("--rocksdb.write-buffer-ratio", "1"))
                .hasMessageContaining("not between 0 and 1");
        assertThat(eos.toMap())
                .containsEntry("state.backend.rocksdb.timer-service.factory", "ROCKSDB");
        assertThat(
                        ComplianceFilterJob.flinkConfiguration(parse("--rocksdb.timers", "HEAP"))
                                .toMap())
                .containsEntry("state.backend.rocksdb.timer-service.factory", "HEAP");

        org.apache.flink.configuration.Configuration alo =
                ComplianceFilterJob.flinkConfiguration(
                        parse(
                                "--delivery.guarantee",
                                "AT_LEAST_ONCE",
                                "--checkpoint.tolerable-failures",
                                "0"));
        assertThat(alo.get(CheckpointingOptions.ENABLE_UNALIGNED)).isFalse();
        assertThat(alo.get(CheckpointingOptions.TOLERABLE_FAILURE_NUMBER)).isZero();

        assertThatThrownBy(() -> parse("--checkpoint.tolerable-failures", "-1"))
                .hasMessageContaining("--checkpoint.tolerable-failures must be 0 or more");
    }

    @Test
    void thePolicyTopicCanBeTurnedOffButNotSharedWithAnInput() throws Exception {
        assertThat(parse("--topic.policy", "").policyTopic()).isEmpty();
        assertThatThrownBy(() -> parse("--topic.policy", "consent.events"))
                .hasMessageContaining("--topic.policy must differ");
        assertThatThrownBy(() -> parse("--policy.max-versions", "0"))
                .hasMessageContaining("--policy.max-versions must be between 1 and 1000");
        assertThatThrownBy(() -> parse("--policy.shadow.file", "/no/such/shadow.yaml"))
                .hasMessageContaining("--policy.shadow.file: cannot read");
    }

    @Test
    void aShadowPolicyIsReadFromItsFile(@TempDir Path dir) throws Exception {
        Path shadow = dir.resolve("shadow.yaml");
        Files.writeString(shadow, PolicyBuilder.aPolicy().id("candidate").version(1).yaml());
        FilterConfig c =
                parse("--policy.shadow.file", shadow.toString(), "--policy.shadow.id", "candidate");
        ComplianceFunction.Configured configured =
                ComplianceFilterJob.checkPolicies(c).configured();
        assertThat(configured.active().id()).isEqualTo("default");
        assertThat(configured.shadow().id()).isEqualTo("candidate");
        assertThat(configured.shadowId()).isEqualTo("candidate");

        FilterConfig sameId = parse("--policy.shadow.id", "default");
        assertThatThrownBy(() -> ComplianceFilterJob.checkPolicies(sameId))
                .hasMessageContaining("a shadow needs its own id");
    }

    @Test
    void acceptsBothArgumentForms() throws Exception {
        FilterConfig c = parse("--topic.audit=audit.v2", "--parallelism", "4");
        assertThat(c.auditTopic()).isEqualTo("audit.v2");
        assertThat(c.parallelism()).isEqualTo(4);
    }

    @Test
    void readsAPropertiesFileAndArgumentsWin(@TempDir Path dir) throws Exception {
        Path file = dir.resolve("filter.properties");
        Files.writeString(
                file,
                "bootstrap.servers=from-file:9092\n"
                        + "registry.url=http://r\n"
                        + "source.idleness=5s\n"
                        + "kafka.security.protocol=SASL_SSL\n");
        FilterConfig c =
                FilterConfig.fromArgs(
                        "--config", file.toString(), "--bootstrap.servers", "from-args:9092");
        assertThat(c.bootstrapServers()).isEqualTo("from-args:9092");
        assertThat(c.sourceIdleness()).isEqualTo(Duration.ofSeconds(5));
        assertThat(c.kafkaProperties()).containsEntry("security.protocol", "SASL_SSL");
    }

    @Test
    void passesKafkaPropertiesThroughWithoutThePrefixAndMasksThem() throws Exception {
        FilterConfig c =
                parse(
                        "--kafka.sasl.mechanism",
                        "PLAIN",
                        "--kafka.sasl.jaas.config",
                        "secret-jaas-line");
        assertThat(c.kafkaProperties())
                .containsEntry("sasl.mechanism", "PLAIN")
                .containsEntry("sasl.jaas.config", "secret-jaas-line");
        assertThat(c.toString()).doesNotContain("secret-jaas-line");
    }

    @Test
    void registryCredentialsAndStoresReachTheClientButNeverTheLog() throws Exception {
        FilterConfig c =
                parse(
                        "--registry.url",
                        "https://registry:8081",
                        "--registry.basic-auth.user-info",
                        "filter:registry-secret",
                        "--registry.ssl.truststore.location",
                        "/etc/consentgate/trust.p12",
                        "--registry.ssl.truststore.password",
                        "trust-secret",
                        "--registry.ssl.keystore.location",
                        "/etc/consentgate/client.jks",
                        "--registry.ssl.keystore.password",
                        "key-secret",
                        "--registry.ssl.keystore.type",
                        "JKS");
        assertThat(c.registryAccess())
                .isEqualTo(
                        io.consentgate.filter.registry.RegistryAccess.of(
                                        "https://registry:8081", Duration.ofSeconds(30))
                                .withBasicAuth("filter:registry-secret")
                                .withTruststore(
                                        new io.consentgate.filter.registry.RegistryAccess.Store(
                                                "/etc/consentgate/trust.p12",
                                                "trust-secret",
                                                "PKCS12"))
                                .withKeystore(
                                        new io.consentgate.filter.registry.RegistryAccess.Store(
                                                "/etc/consentgate/client.jks",
                                                "key-secret",
                                                "JKS")));
        assertThat(c.toString())
                .contains("registry.basic-auth.user-info=***")
                .contains("registry.ssl.truststore.location=/etc/consentgate/trust.p12")
                .doesNotContain("registry-secret")
                .doesNotContain("trust-secret")
                .doesNotContain("key-secret");
        assertThat(c.registryAccess().toString()).doesNotContain("secret").contains("basic auth");
        // Unset secrets show as empty, so a reader can tell "none" from "masked".
        assertThat(parse().toString()).contains("registry.basic-auth.user-info=,");
    }

    @Test
    void registryAccessSettingsThatCannotWorkAreRefused() {
        assertThatThrownBy(() -> parse("--registry.url", "https://user:pw@registry:8081"))
                .hasMessageContaining("credentials do not belong in the registry URL")
                .hasMessageNotContaining("pw@");
        assertThatThrownBy(() -> parse("--registry.url", "registry:8081"))
                .hasMessageContaining("must be http:// or https://");
        assertThatThrownBy(() -> parse("--registry.basic-auth.user-info", "just-a-token"))
                .hasMessageContaining("must be USER:PASSWORD")
                .hasMessageNotContaining("just-a-token");
        assertThatThrownBy(() -> parse("--registry.ssl.keystore.location", "/k.p12"))
                .hasMessageContaining("go together");
        assertThatThrownBy(() -> parse("--registry.ssl.truststore.password", "x"))
                .hasMessageContaining("is set without a trust store");
    }

    @Test
    void refusesKafkaPropertiesTheJobOwns() {
        assertThatThrownBy(() -> parse("--kafka.transaction.timeout.ms", "1000"))
                .hasMessageContaining("use transaction.timeout instead");
    }

    @Test
    void reportsEveryProblemAtOnce() {
        assertThatThrownBy(
                        () ->
                                FilterConfig.fromMap(
                                        Map.of(
                                                "watermark.max-out-of-orderness", "soon",
                                                "parallelism", "-1")))
                .isInstanceOf(FilterConfig.InvalidConfigException.class)
                .hasMessageContaining("--bootstrap.servers is required")
                .hasMessageContaining("--registry.url is required")
                .hasMessageContaining("'soon' is not a duration");
        assertThatThrownBy(() -> FilterConfig.fromArgs("--no-such-key", "x"))
                .hasMessageContaining("unknown key 'no-such-key'");
    }

    @Test
    void transactionTimeoutMustStayBelowTheBrokerMaximum() {
        assertThatThrownBy(() -> parse("--transaction.timeout", "15min"))
                .hasMessageContaining("below the broker's default transaction.max.timeout.ms");
    }

    @Test
    void transactionTimeoutMustOutlastACheckpoint() {
        assertThatThrownBy(() -> parse("--transaction.timeout", "60s"))
                .hasMessageContaining("must exceed (checkpoint.tolerable-failures + 1)");
    }

    @Test
    void transactionTimeoutMustOutlastEveryToleratedCheckpointFailure() throws Exception {
        // Defaults: 4 attempts x (10 s + 2 min) = 520 s, under the 600 s default.
        assertThat(parse().transactionTimeout()).isEqualTo(Duration.ofMinutes(10));
        // One attempt fits (130 s), but three tolerated failures do not: a transaction opened
        // before them would be aborted by Kafka before the next completed checkpoint commits it.
        assertThatThrownBy(() -> parse("--transaction.timeout", "300s"))
                .hasMessageContaining("(520000ms)");
        assertThat(
                        parse(
                                        "--transaction.timeout",
                                        "300s",
                                        "--checkpoint.tolerable-failures",
                                        "1")
                                .transactionTimeout())
                .isEqualTo(Duration.ofSeconds(300));
        // The check is about Kafka transactions: at-least-once has none.
        assertThat(
                        parse(
                                        "--delivery.guarantee",
                                        "AT_LEAST_ONCE",
                                        "--transaction.timeout",
                                        "300s")
                                .checkpointTolerableFailures())
                .isEqualTo(3);
    }

    @Test
    void outputTopicsMustBeDistinct() {
        assertThatThrownBy(() -> parse("--topic.audit", "sends.approved"))
                .hasMessageContaining("used twice");
    }

    @Test
    void parsesDurations() {
        assertThat(FilterConfig.parseDuration("250")).isEqualTo(Duration.ofMillis(250));
        assertThat(FilterConfig.parseDuration("2 s")).isEqualTo(Duration.ofSeconds(2));
        assertThat(FilterConfig.parseDuration("10min")).isEqualTo(Duration.ofMinutes(10));
        assertThat(FilterConfig.parseDuration("30d")).isEqualTo(Duration.ofDays(30));
        assertThat(FilterConfig.parseDuration("PT1H")).isEqualTo(Duration.ofHours(1));
    }

    @Test
    void helpListsEveryKeyWithItsDefault() {
        assertThatThrownBy(() -> FilterConfig.fromArgs("--help"))
                .isInstanceOf(FilterConfig.HelpRequested.class);
        String help = FilterConfig.helpText();
        for (FilterConfig.Key<?> k : FilterConfig.keys()) {
            assertThat(help).contains("--" + k.name() + " (default: ");
            if (k.defaultValue() != null && !k.defaultValue().isEmpty()) {
                assertThat(help).contains(k.defaultValue());
            }
        }
        assertThat(help).contains("--kafka.<property>");
    }

    @Test
    void everyKeyHasADescription() {
        Map<String, Integer> seen = new HashMap<>();
        for (FilterConfig.Key<?> k : FilterConfig.keys()) {
            assertThat(k.description()).as(k.name()).isNotBlank();
            seen.merge(k.name(), 1, Integer::sum);
        }
        assertThat(seen.values()).allMatch(n -> n == 1);
    }
}
