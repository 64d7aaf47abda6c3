package io.consentgate.filter.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.time.Duration;
import java.util.Base64;
import java.util.Objects;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * How to reach a schema registry: the Confluent API root, the retry budget of one call, and
 * optionally HTTP basic credentials and TLS key material (the same choices as Confluent's {@code
 * basic.auth.user.info} and {@code schema.registry.ssl.*} settings).
 *
 * <p>Serializable configuration, shipped with the job: store files are read where the client starts
 * (every TaskManager), like Kafka's {@code ssl.truststore.location}. {@link #toString()} never
 * shows the credentials or store passwords.
 */
public final class RegistryAccess implements Serializable {

    private static final long serialVersionUID = 1L;

    /** A key or trust store file. {@code password} may be empty (a truststore without one). */
    public record Store(String path, String password, String type) implements Serializable {
        public Store {
            Objects.requireNonNull(path, "path");
            Objects.requireNonNull(password, "password");
            Objects.requireNonNull(type, "type");
        }

        @Override
        public String toString() {
            return type + " " + path;
        }

        KeyStore load() throws IOException, GeneralSecurityException {
            KeyStore ks = KeyStore.getInstance(type);
            try (InputStream in = Files.newInputStream(Path.of(path))) {
                ks.load(in, password.isEmpty() ? null : password.toCharArray());
            }
            return ks;
        }
    }

    private final String baseUrl;
    private final Duration retryBudget;
    private final String userInfo;
    private final Store truststore;
    private final Store keystore;

    private RegistryAccess(
            String baseUrl,
            Duration retryBudget,
            String userInfo,
            Store truststore,
            Store keystore) {
        Objects.requireNonNull(baseUrl, "baseUrl");
        this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
        URI uri;
        try {
            uri = new URI(this.baseUrl);
        } catch (URISyntaxException e) {
            throw new IllegalArgumentException("not a URL: " + e.getReason());
        }
        if (!"http".equals(uri.getScheme()) && !"https".equals(uri.getScheme())) {
            throw new IllegalArgumentException("the registry URL must be http:// or https://");
        }
        if (uri.getRawUserInfo() != null) {
            // Java's HTTP client would not send them, and URLs end up in logs and messages.
            throw new IllegalArgumentException(
                    "credentials do not belong in the registry URL; use basic auth instead");
        }
        this.retryBudget = Objects.requireNonNull(retryBudget, "retryBudget");
        if (retryBudget.isNegative()) {
            throw new IllegalArgumentException("negative retry budget");
        }
        if (userInfo != null && userInfo.indexOf(':') < 0) {
            throw new IllegalArgumentException("basic auth user info must be USER:PASSWORD");
        }
        this.userInfo = userInfo;
        this.truststore = truststore;
        this.keystore = keystore;
    }

    /**
     * @param baseUrl the Confluent API root, e.g. {@code http://127.0.0.1:8080/apis/ccompat/v7}
     * @param retryBudget how long one call keeps retrying connection failures and 5xx answers
     */
    public static RegistryAccess of(String baseUrl, Duration retryBudget) {
        return new RegistryAccess(baseUrl, retryBudget, null, null, null);
    }

    /** With HTTP basic authentication as {@code USER:PASSWORD}. */
    public RegistryAccess withBasicAuth(String userColonPassword) {
        return new RegistryAccess(
                baseUrl, retryBudget, requireNonNull(userColonPassword), truststore, keystore);
    }

    /** Trusting the certificates in this store (instead of the JVM's default trust). */
    public RegistryAccess withTruststore(Store store) {
        return new RegistryAccess(baseUrl, retryBudget, userInfo, requireNonNull(store), keystore);
    }

    /** Presenting the key in this store to the registry (mutual TLS). */
    public RegistryAccess withKeystore(Store store) {
        return new RegistryAccess(
                baseUrl, retryBudget, userInfo, truststore, requireNonNull(store));
    }

    public String baseUrl() {
        return baseUrl;
    }

    public Duration retryBudget() {
        return retryBudget;
    }

    /** The {@code Authorization} header's value, if basic credentials are configured. */
    Optional<String> authorization() {
        return Optional.ofNullable(userInfo)
                .map(
                        u ->
                                "Basic "
                                        + Base64.getEncoder()
                                                .encodeToString(
                                                        u.getBytes(StandardCharsets.UTF_8)));
    }

    /**
     * The TLS context for these stores, or empty for the JVM's default.
     *
     * @throws SchemaRegistryException a store cannot be read (a configuration fault: fails the job)
     */
    Optional<SSLContext> sslContext() throws SchemaRegistryException {
        if (truststore == null && keystore == null) {
            return Optional.empty();
        }
        Store reading = truststore != null ? truststore : keystore;
        try {
            TrustManagerFactory tmf = null;
            if (truststore != null) {
                tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(truststore.load());
            }
            KeyManagerFactory kmf = null;
            if (keystore != null) {
                reading = keystore;
                kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(keystore.load(), keystore.password().toCharArray());
            }
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(
                    kmf == null ? null : kmf.getKeyManagers(),
                    tmf == null ? null : tmf.getTrustManagers(),
                    null);
            return Optional.of(ssl);
        } catch (IOException | GeneralSecurityException e) {
            throw new SchemaRegistryException(
                    "cannot read the registry's TLS store "
                            + reading
                            + ": "
                            + e.getClass().getSimpleName(),
                    e);
        }
    }

    private static <T> T requireNonNull(T value) {
        return Objects.requireNonNull(value, "value");
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof RegistryAccess a
                && baseUrl.equals(a.baseUrl)
                && retryBudget.equals(a.retryBudget)
                && Objects.equals(userInfo, a.userInfo)
                && Objects.equals(truststore, a.truststore)
                && Objects.equals(keystore, a.keystore);
    }

    @Override
    public int hashCode() {
        return Objects.hash(baseUrl, retryBudget, userInfo, truststore, keystore);
    }

    /** The URL and which options are set; never a secret. */
    @Override
    public String toString() {
        return baseUrl
                + (userInfo != null ? " (basic auth)" : "")
                + (truststore != null ? " (truststore " + truststore + ")" : "")
                + (keystore != null ? " (keystore " + keystore + ")" : "");
    }
}
