package io.consentgate.bench.harness;

import io.consentgate.bench.peers.ReadySignal;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One JVM the harness starts (a variant or the broker): its own heap, temporary directory, log file
 * and class path, so that its CPU time and peak RSS are its own. Stopped with SIGTERM (a JFR
 * recording is dumped then), killed if it does not exit.
 */
final class Child implements AutoCloseable {

    /** Which RocksDB binding a JVM may see: Flink's frocksdbjni or Kafka Streams' rocksdbjni. */
    enum RocksDb {
        FLINK,
        KAFKA_STREAMS,
        NONE
    }

    private final String name;
    private final Process process;
    private final Path readyFile;
    private final Path log;
    private final long launchedAt;
    private double lastCpu;
    private double lastRss;

    private Child(String name, Process process, Path readyFile, Path log, long launchedAt) {
        this.name = name;
        this.process = process;
        this.readyFile = readyFile;
        this.log = log;
        this.launchedAt = launchedAt;
    }

    /**
     * Starts {@code mainClass} with the harness's own class path, minus the RocksDB binding the
     * child must not see (both use the package org.rocksdb).
     *
     * @param jvmOptions extra JVM options (heap, JFR, system properties)
     */
    static Child start(
            String name,
            Path dir,
            String mainClass,
            List<String> jvmOptions,
            List<String> args,
            RocksDb rocksDb)
            throws IOException {
        Path tmp = dir.resolve(name + "-tmp");
        Files.createDirectories(tmp);
        Path readyFile = dir.resolve(name + ".ready");
        Files.deleteIfExists(readyFile);
        Path log = dir.resolve(name + ".log");
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Djava.io.tmpdir=" + tmp);
        cmd.add("-D" + ReadySignal.PROPERTY + "=" + readyFile);
        cmd.addAll(jvmOptions);
        cmd.add("-cp");
        cmd.add(classPath(rocksDb));
        cmd.add(mainClass);
        cmd.addAll(args);
        Files.writeString(
                dir.resolve(name + ".cmd"), String.join(" ", cmd) + "\n", StandardCharsets.UTF_8);
        ProcessBuilder pb =
                new ProcessBuilder(cmd)
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
        long t0 = System.currentTimeMillis();
        return new Child(name, pb.start(), readyFile, log, t0);
    }

    private static String classPath(RocksDb rocksDb) {
        List<String> kept = new ArrayList<>();
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String file = Path.of(entry).getFileName().toString();
            boolean flinkRocks = file.startsWith("frocksdbjni-");
            boolean streamsRocks = file.startsWith("rocksdbjni-");
            if ((flinkRocks && rocksDb != RocksDb.FLINK)
                    || (streamsRocks && rocksDb != RocksDb.KAFKA_STREAMS)) {
                continue;
            }
            kept.add(entry);
        }
        return String.join(File.pathSeparator, kept);
    }

    String name() {
        return name;
    }

    long pid() {
        return process.pid();
    }

    Path log() {
        return log;
    }

    long launchedAt() {
        return launchedAt;
    }

    boolean isAlive() {
        return process.isAlive();
    }

    /** The wall-clock time the child signalled it is processing, or -1 before. */
    long readyAt() {
        try {
            return Files.isRegularFile(readyFile)
                    ? Long.parseLong(Files.readString(readyFile).trim())
                    : -1;
        } catch (IOException | NumberFormatException e) {
            return -1;
        }
    }

    /**
     * Waits for the ready signal.
     *
     * @throws IllegalStateException the child exited or did not signal in time
     */
    long awaitReady(long timeoutMillis) throws InterruptedException {
        long deadline = System.currentTimeMillis() + timeoutMillis;
        while (System.currentTimeMillis() < deadline) {
            long at = readyAt();
            if (at > 0) {
                return at;
            }
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        name
                                + " exited with "
                                + process.exitValue()
                                + " before it ran; see "
                                + log);
            }
            Thread.sleep(50);
        }
        throw new IllegalStateException(name + " not running after " + timeoutMillis + " ms");
    }

    /** CPU seconds so far (the last value read once the process is gone). */
    double cpuSeconds() {
        double c = Proc.cpuSeconds(process.pid());
        if (c >= 0) {
            lastCpu = c;
        }
        return lastCpu;
    }

    /** Peak RSS in MiB so far (the last value read once the process is gone). */
    double peakRssMiB() {
        double r = Proc.peakRssMiB(process.pid());
        if (r >= 0) {
            lastRss = r;
        }
        return lastRss;
    }

    /** Reads the final figures, then SIGTERM, then SIGKILL after {@code graceSeconds}. */
    @Override
    public void close() {
        stop(30);
    }

    void stop(int graceSeconds) {
        if (!process.isAlive()) {
            return;
        }
        cpuSeconds();
        peakRssMiB();
        process.destroy();
        try {
            if (!process.waitFor(graceSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
        }
    }

    /** Durations of the completed checkpoints the child logged (Flink's CheckpointCoordinator). */
    List<Long> checkpointDurations() {
        List<Long> out = new ArrayList<>();
        java.util.regex.Pattern p =
                java.util.regex.Pattern.compile(
                        "Completed checkpoint .*checkpointDuration=(\\d+) ms");
        try {
            for (String line : Files.readAllLines(log, StandardCharsets.UTF_8)) {
                java.util.regex.Matcher m = p.matcher(line);
                if (m.find()) {
                    out.add(Long.parseLong(m.group(1)));
                }
            }
        } catch (IOException e) {
            // no log, no figures
        }
        return out;
    }

    /** The last lines of the child's log, for error messages. */
    String logTail(int lines) {
        try {
            List<String> all = Files.readAllLines(log, StandardCharsets.UTF_8);
            return String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size()));
        } catch (IOException e) {
            return "(no log: " + e + ")";
        }
    }
}
