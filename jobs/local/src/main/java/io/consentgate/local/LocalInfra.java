package io.consentgate.local;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.Comparator;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Kafka broker and one schema registry per JVM, started on first use and stopped when the JVM
 * exits.
 *
 * <p>Files go to {@code <java.io.tmpdir>/consentgate-infra-<pid>} (surefire points {@code
 * java.io.tmpdir} at {@code target/}), or to the directory in the system property {@value
 * #DIR_PROPERTY}. The broker's data is deleted at exit; the registry's log is kept.
 */
public final class LocalInfra {

    /** Overrides the directory for the broker's data and the registry's log. */
    public static final String DIR_PROPERTY = "consentgate.infra.dir";

    private static final Logger LOG = LoggerFactory.getLogger(LocalInfra.class);

    private static volatile KafkaBroker broker;
    private static volatile SchemaRegistryServer registry;
    private static boolean hookInstalled;

    private LocalInfra() {}

    /** The JVM's broker, started on the first call. */
    public static synchronized KafkaBroker broker() {
        if (broker == null) {
            installHook();
            broker = KafkaBroker.start(dir().resolve("kafka"));
        }
        return broker;
    }

    /** The JVM's schema registry, started on the first call. */
    public static synchronized SchemaRegistryServer registry() {
        if (registry == null) {
            installHook();
            registry = SchemaRegistryServer.start(dir().resolve("registry"));
        }
        return registry;
    }

    /** Where this JVM's infrastructure keeps its files. */
    public static Path dir() {
        String configured = System.getProperty(DIR_PROPERTY);
        if (configured != null && !configured.isBlank()) {
            return Paths.get(configured).toAbsolutePath();
        }
        return Paths.get(System.getProperty("java.io.tmpdir"))
                .toAbsolutePath()
                .resolve("consentgate-infra-" + ProcessHandle.current().pid());
    }

    private static void installHook() {
        if (!hookInstalled) {
            Runtime.getRuntime()
                    .addShutdownHook(new Thread(LocalInfra::shutdown, "consentgate-local-infra"));
            hookInstalled = true;
        }
    }

    // Not synchronized: a test thread may hold the lock while the JVM exits.
    private static void shutdown() {
        SchemaRegistryServer r = registry;
        KafkaBroker b = broker;
        if (r != null) {
            r.close();
        }
        if (b != null) {
            try {
                b.close();
            } catch (RuntimeException e) {
                LOG.warn("Kafka broker did not shut down cleanly: {}", e.toString());
            }
            deleteTree(b.dataDir());
        }
    }

    private static void deleteTree(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // Best effort at exit.
        }
    }
}
