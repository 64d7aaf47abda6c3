package io.consentgate.bench.peers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * How a variant's JVM tells the harness that it is processing: it writes the wall-clock time into
 * the file named by the system property {@value #PROPERTY} (atomically, so the harness never reads
 * half a file). The harness measures processing time from there, so JVM and cluster start-up are
 * reported apart from throughput.
 */
public final class ReadySignal {
    public static final String PROPERTY = "bench.ready-file";

    private ReadySignal() {}

    /** Writes the ready file, if the harness asked for one. */
    public static void signal() {
        String file = System.getProperty(PROPERTY);
        if (file == null || file.isEmpty()) {
            return;
        }
        Path target = Path.of(file);
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        try {
            Files.writeString(
                    tmp, Long.toString(System.currentTimeMillis()), StandardCharsets.UTF_8);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write the ready file " + target, e);
        }
    }
}
