package io.consentgate.filter.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consentgate.filter.FilterConfig;
import io.consentgate.filter.io.InvalidRecordException;
import io.consentgate.filter.io.Registry;
import io.consentgate.filter.registry.ConfluentRegistryClient;
import io.consentgate.filter.registry.RegistryAccess;
import io.consentgate.filter.registry.RegistryUnavailableException;
import io.consentgate.filter.registry.SchemaRegistryException;
import io.consentgate.local.KafkaBroker;
import io.consentgate.local.SchemaRegistryServer;
import io.consentgate.local.SecuritySettings;
import io.consentgate.replay.ScenarioEvent;
import io.consentgate.schema.DeadLetter;
import io.consentgate.schema.Verdict;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.net.ssl.SSLException;
import org.apache.flink.api.common.JobID;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.logging.log4j.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * The job against a schema registry that asks what production ones do: HTTPS with a certificate the
 * JVM does not trust, and HTTP basic authentication. A real Apicurio registry, configured so
 * (Quarkus TLS and embedded users); the job reaches it only through {@link FilterConfig}'s {@code
 * registry.*} keys. (Apicurio's build fixes client certificates off, so the key store for mutual
 * TLS is tested against the JDK's HTTPS server in {@code ConfluentRegistryClientTlsTest}.)
 *
 * <p>Also: each missing piece is refused by the registry, and a refusal fails the job instead of
 * dead-lettering records (it is the deployment's fault, not the record's).
 */
class SecureRegistryITCase {

    static final String USER = "cg-filter";
    static final String PASSWORD = "Registry-Canary-7d41c09e";
    static final String STORE_PASSWORD = "Store-Canary-b2e6f513";
    static final Duration BUDGET = Duration.ofSeconds(20);

    @RegisterExtension static final FlinkMiniCluster CLUSTER = PipelineRun.miniCluster();

    private static SecuritySettings server;
    private static SchemaRegistryServer registry;
    private static int tlsPort;

    @BeforeAll
    static void startSecureRegistry() {
        Path dir =
                Path.of(
                                System.getProperty("java.io.tmpdir"),
                                "secure-registry-" + UUID.randomUUID())
                        .toAbsolutePath();
        // The registry's key, and a trust store with its certificate for the job.
        server = SecuritySettings.selfSigned(dir.resolve("server"), STORE_PASSWORD, USER, PASSWORD);
        tlsPort = KafkaBroker.freePort();
        Map<String, String> settings = new LinkedHashMap<>();
        settings.put("quarkus.http.ssl-port", Integer.toString(tlsPort));
        settings.put("quarkus.http.ssl.certificate.key-store-file", server.keyStore().toString());
        settings.put("quarkus.http.ssl.certificate.key-store-password", STORE_PASSWORD);
        // Quarkus warns that this one is fixed at build time, and applies it all the same.
        settings.put("quarkus.http.auth.basic", "true");
        settings.put("quarkus.security.users.embedded.enabled", "true");
        settings.put("quarkus.security.users.embedded.plain-text", "true");
        settings.put("quarkus.security.users.embedded.users." + USER, PASSWORD);
        settings.put("quarkus.http.auth.permission.api.paths", "/apis/*");
        settings.put("quarkus.http.auth.permission.api.policy", "authenticated");
        registry = SchemaRegistryServer.start(dir.resolve("registry"), settings);
    }

    @AfterAll
    static void stopRegistry() {
        if (registry != null) {
            registry.close();
        }
    }

    /** Everything the registry asks for. */
    static RegistryAccess fullAccess() {
        return RegistryAccess.of(tlsUrl(), BUDGET)
                .withBasicAuth(USER + ":" + PASSWORD)
                .withTruststore(truststore());
    }

    static String tlsUrl() {
        return "https://127.0.0.1:" + tlsPort + "/apis/ccompat/v7";
    }

    static RegistryAccess.Store truststore() {
        return new RegistryAccess.Store(server.trustStore().toString(), STORE_PASSWORD, "PKCS12");
    }

    @Test
    void decisionsFlowThroughARegistryBehindTlsAndBasicAuth(MiniCluster cluster) throws Exception {
        List<ScenarioEvent> events = Workload.generate("t-secure-registry", 30, 4);
        Topics topics = Topics.fresh("secure-registry");
        KafkaTestIo.createTopics(topics);
        try (KafkaTestIo kafka = new KafkaTestIo(fullAccess())) {
            kafka.produce(topics, events, null);
        }
        Map<String, String> overrides = new LinkedHashMap<>();
        overrides.put(FilterConfig.REGISTRY_URL.name(), tlsUrl());
        overrides.put(FilterConfig.REGISTRY_BASIC_AUTH.name(), USER + ":" + PASSWORD);
        overrides.put(FilterConfig.REGISTRY_TRUSTSTORE.name(), server.trustStore().toString());
        overrides.put(FilterConfig.REGISTRY_TRUSTSTORE_PASSWORD.name(), STORE_PASSWORD);
        FilterConfig config = PipelineRun.config(topics, overrides);
        assertThat(config.registryAccess()).isEqualTo(fullAccess());
        assertThat(config.toString())
                .contains("registry.basic-auth.user-info=***")
                .doesNotContain(PASSWORD, STORE_PASSWORD);

        List<String> lines;
        try (CapturedLogs logs = new CapturedLogs(Level.INFO)) {
            JobID job = PipelineRun.run(cluster, config, PipelineRun.noRestarts());
            assertThat(PipelineRun.maxAttemptNumber(cluster, job)).as("single attempt").isZero();
            lines = logs.lines();
        }

        // The inputs were decoded with schemas fetched over TLS, and the outputs' schemas were
        // registered the same way: the readers below fetch them by the ids in the records.
        assertThat(KafkaTestIo.readCommitted(topics.dlq(), DeadLetter.class, fullAccess()))
                .isEmpty();
        Outputs out = Outputs.read(topics, fullAccess());
        out.assertExactlyOnce(Workload.messageIds(events));
        out.assertSameDecisionsAs(events);
        assertThat(out.countFirst(Verdict.ALLOW)).as("ALLOW decisions").isPositive();
        assertThat(lines).as("captured log lines").hasSizeGreaterThan(20);
        assertThat(lines).noneMatch(l -> l.contains(PASSWORD) || l.contains(STORE_PASSWORD));
    }

    @Test
    void theRegistryRefusesRequestsWithoutCredentials() throws Exception {
        // Negative control for the test above: this registry does check. Plain HTTP port, no
        // credentials.
        HttpResponse<String> r =
                HttpClient.newHttpClient()
                        .send(
                                HttpRequest.newBuilder(
                                                URI.create(
                                                        registry.confluentApiUrl() + "/subjects"))
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
        assertThat(r.statusCode()).isEqualTo(401);
    }

    @Test
    void wrongCredentialsFailTheJobInsteadOfDeadLetteringTheRecord() throws Exception {
        RegistryAccess wrong =
                RegistryAccess.of(tlsUrl(), BUDGET)
                        .withBasicAuth(USER + ":not-" + PASSWORD)
                        .withTruststore(truststore());
        var schemas = Registry.writerSchemas(wrong).create();
        assertThatThrownBy(() -> schemas.byId(1))
                .isInstanceOf(SchemaRegistryException.class)
                .isNotInstanceOf(InvalidRecordException.class)
                .hasMessageContaining("HTTP 401")
                .hasMessageContaining("refuses this client's credentials")
                .hasMessageNotContaining(PASSWORD);
    }

    @Test
    void aRegistryCertificateOutsideTheTrustStoreIsRefused() {
        // The JVM's default trust does not hold the self-signed certificate: the handshake fails,
        // before any credentials are sent.
        RegistryAccess untrusting =
                RegistryAccess.of(tlsUrl(), Duration.ofMillis(500))
                        .withBasicAuth(USER + ":" + PASSWORD);
        assertThatThrownBy(() -> new ConfluentRegistryClient(untrusting).schemaById(1))
                .isInstanceOf(RegistryUnavailableException.class)
                .hasMessageContaining("SSLHandshakeException")
                .hasCauseInstanceOf(SSLException.class);
    }

    @Test
    void aTrustStoreThatCannotBeOpenedNamesItsFileButNotItsPassword() {
        RegistryAccess badStore =
                RegistryAccess.of(tlsUrl(), BUDGET)
                        .withTruststore(
                                new RegistryAccess.Store(
                                        server.trustStore().toString(),
                                        "not-" + STORE_PASSWORD,
                                        "PKCS12"));
        assertThatThrownBy(() -> new ConfluentRegistryClient(badStore).schemaById(1))
                .isInstanceOf(SchemaRegistryException.class)
                .isNotInstanceOf(RegistryUnavailableException.class)
                .hasMessageContaining("cannot read the registry's TLS store")
                .hasMessageContaining(server.trustStore().toString())
                .hasMessageNotContaining(STORE_PASSWORD);
    }
}
