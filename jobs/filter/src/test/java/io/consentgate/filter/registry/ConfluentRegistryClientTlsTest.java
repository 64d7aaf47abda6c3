package io.consentgate.filter.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsExchange;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.consentgate.local.SecuritySettings;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.TrustManagerFactory;
import org.apache.avro.Schema;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Mutual TLS towards the registry: the client presents the key in {@code
 * registry.ssl.keystore.location} to a server that requires one. The server is the JDK's HTTPS
 * server answering one schema lookup, because the Apicurio build used by the other registry tests
 * fixes client certificates off at build time ({@code SecureRegistryITCase} covers TLS and basic
 * auth against Apicurio itself).
 */
class ConfluentRegistryClientTlsTest {

    static final String STORE_PASSWORD = "Store-Canary-0a9d3e71";

    @TempDir static Path dir;

    private static SecuritySettings server;
    private static SecuritySettings client;
    private static HttpsServer https;
    private static final List<String> peers = new CopyOnWriteArrayList<>();
    private static final List<String> authorizations = new CopyOnWriteArrayList<>();

    @BeforeAll
    static void startServerRequiringClientCertificates() throws Exception {
        server = SecuritySettings.selfSigned(dir.resolve("server"), STORE_PASSWORD, "u", "p");
        client = SecuritySettings.selfSigned(dir.resolve("client"), STORE_PASSWORD, "u", "p");
        // The server's key, trusting only the client's certificate.
        KeyManagerFactory kmf =
                KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(load(server.keyStore()), STORE_PASSWORD.toCharArray());
        TrustManagerFactory tmf =
                TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(load(client.trustStore()));
        SSLContext ssl = SSLContext.getInstance("TLS");
        ssl.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);

        https = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        https.setHttpsConfigurator(
                new HttpsConfigurator(ssl) {
                    @Override
                    public void configure(HttpsParameters params) {
                        SSLParameters p = ssl.getDefaultSSLParameters();
                        p.setNeedClientAuth(true);
                        params.setSSLParameters(p);
                    }
                });
        https.createContext(
                "/apis/ccompat/v7/schemas/ids/7",
                exchange -> {
                    try {
                        X509Certificate peer =
                                (X509Certificate)
                                        ((HttpsExchange) exchange)
                                                .getSSLSession()
                                                .getPeerCertificates()[0];
                        peers.add(peer.getSubjectX500Principal().getName());
                    } catch (SSLPeerUnverifiedException e) {
                        peers.add("none");
                    }
                    String auth = exchange.getRequestHeaders().getFirst("Authorization");
                    authorizations.add(auth == null ? "none" : auth);
                    byte[] body =
                            "{\"schema\":\"\\\"string\\\"\"}".getBytes(StandardCharsets.UTF_8);
                    exchange.sendResponseHeaders(200, body.length);
                    try (OutputStream out = exchange.getResponseBody()) {
                        out.write(body);
                    }
                });
        https.start();
    }

    @AfterAll
    static void stop() {
        if (https != null) {
            https.stop(0);
        }
    }

    private static KeyStore load(Path store) throws Exception {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(store)) {
            ks.load(in, STORE_PASSWORD.toCharArray());
        }
        return ks;
    }

    private static RegistryAccess access(Duration budget) {
        return RegistryAccess.of(
                        "https://127.0.0.1:" + https.getAddress().getPort() + "/apis/ccompat/v7",
                        budget)
                .withTruststore(
                        new RegistryAccess.Store(
                                server.trustStore().toString(), STORE_PASSWORD, "PKCS12"));
    }

    @Test
    void aRegistryThatRequiresAClientCertificateGetsTheKeyStoresOne() throws Exception {
        RegistryAccess withKey =
                access(Duration.ofSeconds(10))
                        .withKeystore(
                                new RegistryAccess.Store(
                                        client.keyStore().toString(), STORE_PASSWORD, "PKCS12"))
                        .withBasicAuth("cg-filter:pw:with:colons");
        peers.clear();
        authorizations.clear();

        Schema schema = new ConfluentRegistryClient(withKey).schemaById(7);

        assertThat(schema).isEqualTo(Schema.create(Schema.Type.STRING));
        assertThat(peers).containsExactly("CN=localhost,O=consentgate-test");
        // Everything after the first colon is the password (RFC 7617).
        assertThat(authorizations)
                .containsExactly(
                        "Basic "
                                + Base64.getEncoder()
                                        .encodeToString(
                                                "cg-filter:pw:with:colons"
                                                        .getBytes(StandardCharsets.UTF_8)));
    }

    @Test
    void withoutAKeyStoreTheRegistryRefusesTheConnection() {
        peers.clear();
        assertThatThrownBy(
                        () ->
                                new ConfluentRegistryClient(access(Duration.ofMillis(500)))
                                        .schemaById(7))
                .isInstanceOf(RegistryUnavailableException.class);
        assertThat(peers).as("requests that reached the handler").isEmpty();
    }
}
