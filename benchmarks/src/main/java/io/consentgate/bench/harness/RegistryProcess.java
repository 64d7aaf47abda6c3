package io.consentgate.bench.harness;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/**
 * The Apicurio registry (the one jobs/local unpacks) as the benchmark's own child process, launched
 * with the same settings as jobs/local's {@code SchemaRegistryServer} but through a directory of
 * links under the run directory. Why: test and CI scripts on a shared machine clean up with {@code
 * pkill -f quarkus-run.jar}, which would also kill a registry a long benchmark depends on.
 *
 * <p>{@link #start} returns empty when no unpacked 3.x application or no Java 21+ is found; the
 * harness then uses {@code SchemaRegistryServer}.
 */
final class RegistryProcess implements AutoCloseable {
    static final String HOME_PROPERTY = "bench.apicurio.home";
    private static final Pattern JAVA_VERSION =
            Pattern.compile("^JAVA_VERSION=\"?(\\d+)", Pattern.MULTILINE);

    private final Process process;
    private final int port;

    private RegistryProcess(Process process, int port) {
        this.process = process;
        this.port = port;
    }

    static Optional<RegistryProcess> start(Path dir) throws IOException, InterruptedException {
        Path home =
                Path.of(System.getProperty(HOME_PROPERTY, "jobs/local/target/apicurio-3.3.3"))
                        .toAbsolutePath();
        Optional<Path> java = java21();
        if (!Files.isRegularFile(home.resolve("quarkus-run.jar")) || java.isEmpty()) {
            return Optional.empty();
        }
        Path app = dir.resolve("registry-app");
        Files.createDirectories(app);
        try (Stream<Path> entries = Files.list(home)) {
            for (Path p : entries.toList()) {
                String name =
                        p.getFileName().toString().equals("quarkus-run.jar")
                                ? "registry.jar"
                                : p.getFileName().toString();
                Path link = app.resolve(name);
                if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
                    Files.createSymbolicLink(link, p);
                }
            }
        }
        Path tmp = dir.resolve("registry-tmp");
        Files.createDirectories(tmp);
        int port = freePort();
        int management = freePort();
        while (management == port) {
            management = freePort();
        }
        List<String> cmd = new ArrayList<>();
        cmd.add(java.get().toString());
        cmd.add("-Xmx256m");
        cmd.add("-XX:+UseSerialGC");
        cmd.add("-XX:TieredStopAtLevel=1");
        cmd.add("-Djava.io.tmpdir=" + tmp);
        cmd.add("-Dquarkus.http.host=127.0.0.1");
        cmd.add("-Dquarkus.http.port=" + port);
        cmd.add("-Dquarkus.management.host=127.0.0.1");
        cmd.add("-Dquarkus.management.port=" + management);
        cmd.add("-Dapicurio.rules.global.compatibility=BACKWARD");
        cmd.add("-jar");
        cmd.add(app.resolve("registry.jar").toString());
        Process p =
                new ProcessBuilder(cmd)
                        .directory(tmp.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(dir.resolve("registry.log").toFile())
                        .start();
        RegistryProcess r = new RegistryProcess(p, port);
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        URI health = URI.create("http://127.0.0.1:" + management + "/health/ready");
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(120);
        while (System.nanoTime() < deadline) {
            if (!p.isAlive()) {
                throw new IllegalStateException(
                        "the registry exited; see " + dir.resolve("registry.log"));
            }
            try {
                if (http.send(
                                        HttpRequest.newBuilder(health)
                                                .timeout(Duration.ofSeconds(2))
                                                .build(),
                                        HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        == 200) {
                    return Optional.of(r);
                }
            } catch (IOException notYet) {
                // starting
            }
            Thread.sleep(200);
        }
        r.close();
        throw new IllegalStateException("the registry did not start in 120 s");
    }

    String confluentApiUrl() {
        return "http://127.0.0.1:" + port + "/apis/ccompat/v7";
    }

    boolean isAlive() {
        return process.isAlive();
    }

    @Override
    public void close() {
        process.destroy();
        try {
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    private static Optional<Path> java21() throws IOException {
        String configured = System.getProperty("bench.registry.java");
        if (configured != null) {
            return Optional.of(Path.of(configured));
        }
        Path jvms = Path.of("/usr/lib/jvm");
        if (!Files.isDirectory(jvms)) {
            return Optional.empty();
        }
        Path best = null;
        int bestVersion = 0;
        try (Stream<Path> dirs = Files.list(jvms)) {
            for (Path d : dirs.toList()) {
                Path release = d.resolve("release");
                Path bin = d.resolve("bin/java");
                if (!Files.isRegularFile(release) || !Files.isExecutable(bin)) {
                    continue;
                }
                Matcher m = JAVA_VERSION.matcher(Files.readString(release));
                if (m.find()) {
                    int v = Integer.parseInt(m.group(1));
                    if (v >= 21 && v > bestVersion) {
                        best = bin;
                        bestVersion = v;
                    }
                }
            }
        }
        return Optional.ofNullable(best);
    }

    private static int freePort() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 0, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        }
    }
}
