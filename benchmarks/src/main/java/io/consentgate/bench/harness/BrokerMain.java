package io.consentgate.bench.harness;

import io.consentgate.bench.peers.ReadySignal;
import io.consentgate.local.KafkaBroker;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * The benchmark's Kafka broker in its own JVM (the single-node KRaft broker of jobs/local), so that
 * the harness can report the broker's CPU time per variant apart from its own. Writes its bootstrap
 * servers to {@code <dataDir>/bootstrap}, then signals ready; stops on SIGTERM.
 *
 * <p>Argument: the data directory.
 */
public final class BrokerMain {
    private BrokerMain() {}

    public static void main(String[] args) throws Exception {
        Path dir = Path.of(args[0]);
        KafkaBroker broker = KafkaBroker.start(dir);
        Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "broker-stop"));
        Files.writeString(
                dir.resolve("bootstrap"), broker.bootstrapServers(), StandardCharsets.UTF_8);
        ReadySignal.signal();
        Thread.currentThread().join();
    }
}
