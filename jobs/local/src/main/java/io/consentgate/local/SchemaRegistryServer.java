package io.consentgate.local;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An Apicurio Registry running as a child JVM on loopback, speaking the Confluent Schema Registry
 * REST API.
 *
 * <p>Storage is in memory: {@link #stopForMaintenance()} followed by {@link #restart()} gives an
 * empty registry on the same ports, whose ids start again and may then name different schemas than
 * before. Clients that cached ids must be restarted too (or the fault test must expect it).
 *
 * <p>Apicurio {@code apicurio.version} needs Java 21+. The JVM is taken from the system property
 * {@value #JAVA_PROPERTY} (a java executable or a JDK directory), else {@code JAVA_HOME} if it is
 * 21+, else this JVM if it is 21+, else the newest 21+ JDK under {@code /usr/lib/jvm}. Without one,
 * Apicurio {@code apicurio.fallback.version} runs on this JVM.
 *
 * <p>The unpacked application is taken from the system property {@value #HOME_PROPERTY}, else from
 * where the {@code jobs/local} build unpacked it, else from {@code
 * jobs/local/target/apicurio-<version>} in the working directory or any parent, else it is unpacked
 * with {@code tar} from the artifact in the local Maven repository (fetched with {@code mvn} if
 * missing) into {@code jobs/local/target} when that exists, or {@code java.io.tmpdir}.
 */
public final class SchemaRegistryServer implements AutoCloseable {

    /** A java executable or JDK directory (21+) to run the registry with. */
    public static final String JAVA_PROPERTY = "consentgate.registry.java";

    /** A directory holding the unpacked Apicurio application of the version that will run. */
    public static final String HOME_PROPERTY = "consentgate.apicurio.home";

    /** Value of {@value #JAVA_PROPERTY} that runs the fallback version on this JVM. */
    public static final String FORCE_FALLBACK = "fallback";

    private static final Logger LOG = LoggerFactory.getLogger(SchemaRegistryServer.class);
    private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
    private static final Duration STOP_TIMEOUT = Duration.ofSeconds(20);
    private static final int START_ATTEMPTS = 3;
    private static final int MIN_JAVA = 21;
    private static final Pattern JAVA_VERSION =
            Pattern.compile("^JAVA_VERSION=\"?(\\d+)(?:\\.(\\d+))?", Pattern.MULTILINE);

    private final Distribution dist;
    private final Path workDir;
    private final Path logFile;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final Thread shutdownHook;
    private final Map<String, String> settings;
    private volatile int port;
    private volatile int managementPort;
    private volatile Process process;
    private boolean stopped;

    private SchemaRegistryServer(Distribution dist, Path workDir, Map<String, String> settings) {
        this.dist = dist;
        this.workDir = workDir;
        this.settings = Map.copyOf(settings);
        this.logFile = workDir.resolve("apicurio-" + dist.version + ".log");
        this.shutdownHook = new Thread(this::killChild, "apicurio-registry-shutdown");
    }

    /**
     * Starts a registry writing its log and temporary files under {@code workDir} (created if
     * missing) and waits until it is ready.
     */
    public static SchemaRegistryServer start(Path workDir) {
        return start(workDir, Map.of());
    }

    /**
     * Starts a registry with these extra Quarkus/Apicurio settings (system properties of the child
     * JVM), e.g. a TLS port and key store. The plain HTTP port stays open for the readiness check.
     */
    public static SchemaRegistryServer start(Path workDir, Map<String, String> settings) {
        try {
            Files.createDirectories(workDir.resolve("tmp"));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + workDir, e);
        }
        SchemaRegistryServer server =
                new SchemaRegistryServer(Distribution.locate(), workDir, settings);
        Runtime.getRuntime().addShutdownHook(server.shutdownHook);
        try {
            server.launchOnFreePorts();
        } catch (RuntimeException e) {
            server.stop();
            throw e;
        }
        return server;
    }

    /** The Confluent-compatible API, e.g. {@code http://127.0.0.1:P/apis/ccompat/v7}. */
    public String confluentApiUrl() {
        return baseUrl() + "/apis/ccompat/v7";
    }

    /** {@code http://127.0.0.1:P}. */
    public String baseUrl() {
        return "http://127.0.0.1:" + port;
    }

    public int port() {
        return port;
    }

    /** The Apicurio version running: the pinned one, or the fallback on a JVM older than 21. */
    public String version() {
        return dist.version;
    }

    public Path logFile() {
        return logFile;
    }

    public boolean isRunning() {
        Process p = process;
        return p != null && p.isAlive();
    }

    /**
     * Kills the registry but keeps its ports, for fault tests; {@link #restart()} brings it back
     * empty (storage is in memory).
     */
    public synchronized void stopForMaintenance() {
        checkNotStopped();
        killChild();
    }

    /** Starts the registry again on the same ports after {@link #stopForMaintenance()}. */
    public synchronized void restart() {
        checkNotStopped();
        killChild();
        launch();
    }

    /** Kills the child JVM and its descendants and waits for them; idempotent. */
    public synchronized void stop() {
        if (stopped) {
            return;
        }
        stopped = true;
        killChild();
        try {
            Runtime.getRuntime().removeShutdownHook(shutdownHook);
        } catch (IllegalStateException shuttingDown) {
            // The hook is running or about to: nothing left to remove.
        }
    }

    @Override
    public void close() {
        stop();
    }

    private void checkNotStopped() {
        if (stopped) {
            throw new IllegalStateException("registry was stopped; start a new one");
        }
    }

    private synchronized void launchOnFreePorts() {
        RuntimeException last = null;
        // Ports are picked before the child binds them: another process may win, so retry.
        for (int attempt = 1; attempt <= START_ATTEMPTS; attempt++) {
            port = KafkaBroker.freePort();
            managementPort = KafkaBroker.freePort();
            while (managementPort == port) {
                managementPort = KafkaBroker.freePort();
            }
            try {
                launch();
                return;
            } catch (PortTakenException e) {
                last = e;
                LOG.warn("Apicurio start attempt {}: port taken, retrying", attempt);
            }
        }
        throw last;
    }

    private void launch() {
        List<String> cmd = new ArrayList<>();
        cmd.add(dist.java.toString());
        cmd.add("-Xmx256m");
        cmd.add("-XX:+UseSerialGC");
        // C1 only and a class-data archive kept beside the app: start in ~4 s instead of ~11.
        cmd.add("-XX:TieredStopAtLevel=1");
        if (dist.javaFeature >= 19) {
            cmd.add("-XX:+AutoCreateSharedArchive");
            cmd.add("-XX:SharedArchiveFile=" + sharedArchive());
        }
        cmd.add("-Djava.io.tmpdir=" + workDir.resolve("tmp").toAbsolutePath());
        cmd.add("-Dquarkus.http.host=127.0.0.1");
        cmd.add("-Dquarkus.http.port=" + port);
        // The management interface defaults to 0.0.0.0:9000.
        cmd.add("-Dquarkus.management.host=127.0.0.1");
        cmd.add("-Dquarkus.management.port=" + managementPort);
        cmd.add("-Dapicurio.rules.global.compatibility=BACKWARD");
        cmd.add("-Dregistry.rules.global.compatibility=BACKWARD"); // the 2.x name
        settings.forEach((k, v) -> cmd.add("-D" + k + "=" + v));
        cmd.add("-jar");
        cmd.add(dist.jar.toString());
        ProcessBuilder pb =
                new ProcessBuilder(cmd)
                        .directory(workDir.toFile())
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()));
        long t0 = System.nanoTime();
        try {
            process = pb.start();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot launch " + dist.java, e);
        }
        awaitReady(t0);
    }

    private Path sharedArchive() {
        Path appDir = dist.jar.getParent();
        String name = appDir.getFileName() + "-java" + dist.javaFeature + ".jsa";
        Path beside = appDir.resolveSibling(name);
        return Files.isWritable(beside.getParent()) ? beside : workDir.resolve("tmp").resolve(name);
    }

    private void awaitReady(long t0) {
        // 3.x serves health on the management interface, 2.x on the main port.
        int healthPort = dist.managementInterface ? managementPort : port;
        URI health = URI.create("http://127.0.0.1:" + healthPort + "/health/ready");
        long deadline = t0 + READY_TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            Process p = process;
            if (p == null || !p.isAlive()) {
                String tail = logTail();
                killChild();
                if (tail.contains("already in use") || tail.contains("BindException")) {
                    throw new PortTakenException(logFile);
                }
                throw new IllegalStateException(
                        "Apicurio registry exited during start"
                                + (p == null ? "" : " (code " + p.exitValue() + ")")
                                + "; see "
                                + logFile
                                + "\n"
                                + tail);
            }
            try {
                HttpResponse<Void> r =
                        http.send(
                                HttpRequest.newBuilder(health)
                                        .timeout(Duration.ofSeconds(2))
                                        .GET()
                                        .build(),
                                HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    LOG.info(
                            "Apicurio registry {} ready on 127.0.0.1:{} in {} ms (log {})",
                            dist.version,
                            port,
                            TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0),
                            logFile);
                    return;
                }
            } catch (IOException notYet) {
                // Not listening yet.
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                killChild();
                throw new IllegalStateException("interrupted while starting the registry", e);
            }
            sleep(200);
        }
        killChild();
        throw new IllegalStateException(
                "Apicurio registry not ready after "
                        + READY_TIMEOUT.toSeconds()
                        + " s; see "
                        + logFile
                        + "\n"
                        + logTail());
    }

    /** Lock-free so the shutdown hook never waits on a thread that holds the monitor. */
    private void killChild() {
        Process p = process;
        if (p == null) {
            return;
        }
        List<ProcessHandle> descendants = p.descendants().toList();
        p.destroy();
        descendants.forEach(ProcessHandle::destroy);
        try {
            if (!p.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS)) {
                p.destroyForcibly();
                p.waitFor(STOP_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            }
            for (ProcessHandle d : descendants) {
                if (d.isAlive()) {
                    d.destroyForcibly();
                }
            }
        } catch (InterruptedException e) {
            p.destroyForcibly();
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 30), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(log unreadable: " + e + ")";
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }

    @Override
    public String toString() {
        return "SchemaRegistryServer[Apicurio " + dist.version + ", " + baseUrl() + "]";
    }

    private static final class PortTakenException extends IllegalStateException {
        private static final long serialVersionUID = 1L;

        PortTakenException(Path log) {
            super("Apicurio registry could not bind its port; see " + log);
        }
    }

    /** Which Apicurio to run, with which JVM. */
    record Distribution(
            String version, Path jar, Path java, int javaFeature, boolean managementInterface) {

        static Distribution locate() {
            Properties build = buildProperties();
            String version = build.getProperty("apicurio.version");
            String fallback = build.getProperty("apicurio.fallback.version");
            Optional<Path> java21 = findJava(MIN_JAVA);
            if (java21.isPresent()) {
                Path java = java21.get();
                return new Distribution(
                        version,
                        appJar(version, build),
                        java,
                        releaseFeature(java.getParent().getParent()),
                        major(version) >= 3);
            }
            LOG.warn(
                    "No Java {}+ found (set -D{}); running Apicurio {} on this JVM",
                    MIN_JAVA,
                    JAVA_PROPERTY,
                    fallback);
            Path self = Paths.get(System.getProperty("java.home"), "bin", "java");
            return new Distribution(
                    fallback,
                    appJar(fallback, build),
                    self,
                    Runtime.version().feature(),
                    major(fallback) >= 3);
        }

        private static int major(String version) {
            return Integer.parseInt(version.substring(0, version.indexOf('.')));
        }

        private static Properties buildProperties() {
            Properties p = new Properties();
            try (InputStream in =
                    SchemaRegistryServer.class.getResourceAsStream(
                            "/consentgate-local.properties")) {
                if (in == null) {
                    throw new IllegalStateException(
                            "consentgate-local.properties missing: build jobs/local with Maven");
                }
                p.load(in);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return p;
        }

        // ---- the JVM

        static Optional<Path> findJava(int minFeature) {
            String prop = System.getProperty(JAVA_PROPERTY);
            if (FORCE_FALLBACK.equals(prop)) {
                return Optional.empty();
            }
            if (prop != null && !prop.isBlank()) {
                Path p = Paths.get(prop);
                Path exe = Files.isDirectory(p) ? p.resolve("bin").resolve("java") : p;
                if (!Files.isExecutable(exe)) {
                    throw new IllegalStateException(JAVA_PROPERTY + "=" + prop + " is not a java");
                }
                return Optional.of(exe);
            }
            String javaHome = System.getenv("JAVA_HOME");
            if (javaHome != null && !javaHome.isBlank()) {
                Optional<Path> exe = jdkIfAtLeast(Paths.get(javaHome), minFeature);
                if (exe.isPresent()) {
                    return exe;
                }
            }
            if (Runtime.version().feature() >= minFeature) {
                return Optional.of(Paths.get(System.getProperty("java.home"), "bin", "java"));
            }
            Path jvms = Paths.get("/usr/lib/jvm");
            if (!Files.isDirectory(jvms)) {
                return Optional.empty();
            }
            Path best = null;
            int bestFeature = 0;
            try (DirectoryStream<Path> ds = Files.newDirectoryStream(jvms)) {
                for (Path jdk : ds) {
                    int f = releaseFeature(jdk);
                    if (f >= minFeature
                            && f > bestFeature
                            && Files.isExecutable(jdk.resolve("bin").resolve("java"))) {
                        best = jdk;
                        bestFeature = f;
                    }
                }
            } catch (IOException e) {
                return Optional.empty();
            }
            return Optional.ofNullable(best).map(jdk -> jdk.resolve("bin").resolve("java"));
        }

        private static Optional<Path> jdkIfAtLeast(Path jdk, int minFeature) {
            Path exe = jdk.resolve("bin").resolve("java");
            return releaseFeature(jdk) >= minFeature && Files.isExecutable(exe)
                    ? Optional.of(exe)
                    : Optional.empty();
        }

        /** The feature version from a JDK's {@code release} file, 0 if unknown. */
        static int releaseFeature(Path jdk) {
            try {
                String release = Files.readString(jdk.resolve("release"), StandardCharsets.UTF_8);
                Matcher m = JAVA_VERSION.matcher(release);
                if (!m.find()) {
                    return 0;
                }
                int first = Integer.parseInt(m.group(1));
                // "1.8.0_x" style
                return first == 1 && m.group(2) != null ? Integer.parseInt(m.group(2)) : first;
            } catch (IOException | RuntimeException e) {
                return 0;
            }
        }

        // ---- the application

        static Path appJar(String version, Properties build) {
            String home = System.getProperty(HOME_PROPERTY);
            if (home != null && !home.isBlank()) {
                return jarIn(Paths.get(home), version)
                        .orElseThrow(
                                () ->
                                        new IllegalStateException(
                                                HOME_PROPERTY
                                                        + "="
                                                        + home
                                                        + " holds no Apicurio "
                                                        + version));
            }
            String dirName = "apicurio-" + version;
            // Where the jobs/local build unpacked the pinned version; the fallback goes beside it.
            Path hinted =
                    Paths.get(build.getProperty("apicurio.unpacked.dir")).resolveSibling(dirName);
            Optional<Path> jar = jarIn(hinted, version);
            if (jar.isPresent()) {
                return jar.get();
            }
            Optional<Path> localTarget = findLocalTarget();
            if (localTarget.isPresent()) {
                jar = jarIn(localTarget.get().resolve(dirName), version);
                if (jar.isPresent()) {
                    return jar.get();
                }
            }
            Path parent;
            if (localTarget.isPresent()) {
                parent = localTarget.get();
            } else if (Files.isDirectory(hinted.getParent())) {
                parent = hinted.getParent();
            } else {
                parent = Paths.get(System.getProperty("java.io.tmpdir"));
            }
            Path dest = parent.resolve(dirName);
            unpack(version, build, dest);
            return jarIn(dest, version)
                    .orElseThrow(
                            () ->
                                    new IllegalStateException(
                                            "no Apicurio jar in "
                                                    + dest
                                                    + "; delete it to unpack again"));
        }

        /** {@code jobs/local/target} in the working directory or a parent, if it exists. */
        private static Optional<Path> findLocalTarget() {
            Path dir = Paths.get(System.getProperty("user.dir")).toAbsolutePath();
            for (; dir != null; dir = dir.getParent()) {
                if (Files.isRegularFile(dir.resolve("jobs/local/pom.xml"))) {
                    return Optional.of(dir.resolve("jobs/local/target"));
                }
            }
            return Optional.empty();
        }

        static Optional<Path> jarIn(Path dir, String version) {
            Path jar =
                    major(version) >= 3
                            ? dir.resolve("quarkus-run.jar")
                            : dir.resolve("apicurio-registry-app-" + version + "-runner.jar");
            return Files.isRegularFile(jar) ? Optional.of(jar) : Optional.empty();
        }

        private static synchronized void unpack(String version, Properties build, Path dest) {
            if (Files.isDirectory(dest)) {
                return;
            }
            Path tarball = tarball(version);
            if (!Files.isRegularFile(tarball)) {
                fetch(version, build);
            }
            Path tmp = dest.resolveSibling(dest.getFileName() + ".tmp-" + UUID.randomUUID());
            LOG.info("Unpacking Apicurio {} into {}", version, dest);
            try {
                Files.createDirectories(tmp);
                run(List.of("tar", "-xzf", tarball.toString(), "-C", tmp.toString()), "tar");
                try {
                    Files.move(tmp, dest, StandardCopyOption.ATOMIC_MOVE);
                } catch (IOException raced) {
                    // Another JVM unpacked it first.
                    deleteTree(tmp);
                    if (!Files.isDirectory(dest)) {
                        throw raced;
                    }
                }
            } catch (IOException e) {
                deleteTree(tmp);
                throw new UncheckedIOException("cannot unpack " + tarball, e);
            }
        }

        private static Path tarball(String version) {
            String repo = System.getProperty("maven.repo.local");
            Path m2 =
                    repo != null && !repo.isBlank()
                            ? Paths.get(repo)
                            : Paths.get(System.getProperty("user.home"), ".m2", "repository");
            return m2.resolve(
                    Paths.get(
                            "io",
                            "apicurio",
                            "apicurio-registry-app",
                            version,
                            "apicurio-registry-app-" + version + "-all.tar.gz"));
        }

        private static void fetch(String version, Properties build) {
            LOG.info("Fetching Apicurio {} with mvn", version);
            run(
                    List.of(
                            "mvn",
                            "-B",
                            "-q",
                            "org.apache.maven.plugins:maven-dependency-plugin:"
                                    + build.getProperty("dependency.plugin.version")
                                    + ":get",
                            "-Dartifact=io.apicurio:apicurio-registry-app:"
                                    + version
                                    + ":tar.gz:all",
                            "-Dtransitive=false"),
                    "mvn");
            if (!Files.isRegularFile(tarball(version))) {
                throw new IllegalStateException(
                        "mvn did not fetch Apicurio " + version + " into " + tarball(version));
            }
        }

        private static void run(List<String> cmd, String what) {
            try {
                Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                if (p.waitFor() != 0) {
                    throw new IllegalStateException(what + " failed: " + out);
                }
            } catch (IOException e) {
                throw new UncheckedIOException("cannot run " + what, e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while running " + what, e);
            }
        }

        private static void deleteTree(Path dir) {
            if (!Files.exists(dir)) {
                return;
            }
            try (Stream<Path> s = Files.walk(dir)) {
                s.sorted(Comparator.reverseOrder())
                        .forEach(
                                p -> {
                                    try {
                                        Files.deleteIfExists(p);
                                    } catch (IOException ignored) {
                                        // Best effort.
                                    }
                                });
            } catch (IOException ignored) {
                // Best effort.
            }
        }
    }
}
