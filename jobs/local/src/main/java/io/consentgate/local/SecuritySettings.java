package io.consentgate.local;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import java.util.concurrent.TimeUnit;

/**
 * TLS material and one SASL/PLAIN user for {@link KafkaBroker#startSecure}: a self-signed key store
 * for the broker (certificate for {@code 127.0.0.1} and {@code localhost}), a trust store holding
 * that certificate for clients, and the user's credentials.
 *
 * <p>For tests and local runs only: the stores are generated with the JDK's {@code keytool}, valid
 * for two days. {@link #toString()} never shows a password.
 */
public final class SecuritySettings {

    private static final long KEYTOOL_TIMEOUT_SECONDS = 120;

    private final Path keyStore;
    private final String keyStorePassword;
    private final Path trustStore;
    private final String trustStorePassword;
    private final String username;
    private final String password;

    public SecuritySettings(
            Path keyStore,
            String keyStorePassword,
            Path trustStore,
            String trustStorePassword,
            String username,
            String password) {
        this.keyStore = keyStore;
        this.keyStorePassword = keyStorePassword;
        this.trustStore = trustStore;
        this.trustStorePassword = trustStorePassword;
        this.username = username;
        this.password = password;
        for (String s : List.of(username, password)) {
            if (s.indexOf('"') >= 0 || s.indexOf('\\') >= 0) {
                throw new IllegalArgumentException("no quotes or backslashes in SASL credentials");
            }
        }
    }

    /**
     * Generates a self-signed PKCS12 key store and the matching trust store in {@code dir} with
     * {@code keytool}, and returns settings for the SASL/PLAIN user {@code username}.
     */
    public static SecuritySettings selfSigned(
            Path dir, String storePassword, String username, String password) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + dir, e);
        }
        Path ks = dir.resolve("broker.keystore.p12").toAbsolutePath();
        Path cert = dir.resolve("broker.cert.pem").toAbsolutePath();
        Path ts = dir.resolve("client.truststore.p12").toAbsolutePath();
        for (Path p : List.of(ks, cert, ts)) {
            try {
                Files.deleteIfExists(p);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot delete " + p, e);
            }
        }
        keytool(
                dir,
                storePassword,
                "-genkeypair",
                "-alias",
                "broker",
                "-keyalg",
                "RSA",
                "-keysize",
                "2048",
                "-validity",
                "2",
                "-dname",
                "CN=localhost,O=consentgate-test",
                "-ext",
                "SAN=ip:127.0.0.1,dns:localhost",
                "-storetype",
                "PKCS12",
                "-keystore",
                ks.toString(),
                "-storepass:env",
                "CG_STOREPASS",
                "-keypass:env",
                "CG_STOREPASS");
        keytool(
                dir,
                storePassword,
                "-exportcert",
                "-rfc",
                "-alias",
                "broker",
                "-keystore",
                ks.toString(),
                "-storepass:env",
                "CG_STOREPASS",
                "-file",
                cert.toString());
        keytool(
                dir,
                storePassword,
                "-importcert",
                "-noprompt",
                "-alias",
                "broker",
                "-file",
                cert.toString(),
                "-storetype",
                "PKCS12",
                "-keystore",
                ts.toString(),
                "-storepass:env",
                "CG_STOREPASS");
        return new SecuritySettings(ks, storePassword, ts, storePassword, username, password);
    }

    /** Runs keytool with the store password in its environment, never on its command line. */
    private static void keytool(Path dir, String storePassword, String... args) {
        List<String> cmd = new ArrayList<>();
        cmd.add(Paths.get(System.getProperty("java.home"), "bin", "keytool").toString());
        cmd.addAll(List.of(args));
        ProcessBuilder pb =
                new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true);
        pb.environment().put("CG_STOREPASS", storePassword);
        Path out = dir.resolve("keytool.out");
        pb.redirectOutput(out.toFile());
        try {
            Process process = pb.start();
            if (!process.waitFor(KEYTOOL_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new IllegalStateException("keytool " + args[0] + " timed out");
            }
            if (process.exitValue() != 0) {
                throw new IllegalStateException(
                        "keytool "
                                + args[0]
                                + " failed ("
                                + process.exitValue()
                                + "): "
                                + Files.readString(out, StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot run keytool", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while running keytool", e);
        }
    }

    public Path keyStore() {
        return keyStore;
    }

    public String keyStorePassword() {
        return keyStorePassword;
    }

    public Path trustStore() {
        return trustStore;
    }

    public String trustStorePassword() {
        return trustStorePassword;
    }

    public String username() {
        return username;
    }

    public String password() {
        return password;
    }

    /** The broker side of SASL/PLAIN: the one user it accepts. */
    String brokerJaasConfig() {
        return "org.apache.kafka.common.security.plain.PlainLoginModule required user_"
                + username
                + "=\""
                + password
                + "\";";
    }

    /** The client side of SASL/PLAIN for {@code sasl.jaas.config}. */
    public String clientJaasConfig() {
        return clientJaasConfig(username, password);
    }

    /** A client {@code sasl.jaas.config} for any credentials (e.g. wrong ones). */
    public static String clientJaasConfig(String username, String password) {
        return "org.apache.kafka.common.security.plain.PlainLoginModule required username=\""
                + username
                + "\" password=\""
                + password
                + "\";";
    }

    /**
     * Kafka client properties for the secure listener: SASL_SSL, PLAIN, this user, and the trust
     * store (host name verification stays on: the certificate names 127.0.0.1).
     */
    public Properties clientProperties() {
        Properties p = new Properties();
        p.put("security.protocol", "SASL_SSL");
        p.put("sasl.mechanism", "PLAIN");
        p.put("sasl.jaas.config", clientJaasConfig());
        p.put("ssl.truststore.type", "PKCS12");
        p.put("ssl.truststore.location", trustStore.toAbsolutePath().toString());
        p.put("ssl.truststore.password", trustStorePassword);
        return p;
    }

    @Override
    public String toString() {
        return "SecuritySettings[user=" + username + ", keyStore=" + keyStore + ", ***]";
    }
}
