package io.consentgate.bench.peers;

import java.time.Duration;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.JobClient;

/**
 * The local Flink cluster both Flink variants run on: one TaskManager in the variant's own JVM with
 * one slot per parallel subtask, RocksDB's managed memory, temporary files under the run directory,
 * and no restarts (a failing variant must fail the benchmark, not retry silently).
 */
public final class LocalFlink {
    /** Managed memory of the TaskManager (RocksDB's block cache and write buffers). */
    public static final String MANAGED_MEMORY_PROPERTY = "bench.flink.managed-memory";

    /**
     * System properties with this prefix are Flink settings ({@code -Dbench.flink.conf.KEY=VALUE}),
     * applied over the job's own: the harness's {@code --flink-option}.
     */
    public static final String CONF_PROPERTY_PREFIX = "bench.flink.conf.";

    /** Where Flink's temporary files go. */
    public static final String TMP_DIR_PROPERTY = "bench.flink.tmp-dir";

    private LocalFlink() {}

    /** The job's own configuration plus the local cluster's resources. */
    public static Configuration configuration(Configuration jobConfiguration, int parallelism) {
        Configuration conf = new Configuration(jobConfiguration);
        conf.set(CoreOptions.DEFAULT_PARALLELISM, parallelism);
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, parallelism);
        conf.set(
                TaskManagerOptions.MANAGED_MEMORY_SIZE,
                MemorySize.parse(System.getProperty(MANAGED_MEMORY_PROPERTY, "256m")));
        String tmp = System.getProperty(TMP_DIR_PROPERTY);
        if (tmp != null) {
            conf.set(CoreOptions.TMP_DIRS, tmp);
        }
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith(CONF_PROPERTY_PREFIX)) {
                conf.setString(
                        name.substring(CONF_PROPERTY_PREFIX.length()), System.getProperty(name));
            }
        }
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "disable");
        conf.setString("jobmanager.bind-host", "127.0.0.1");
        conf.setString("taskmanager.bind-host", "127.0.0.1");
        conf.setString("taskmanager.host", "127.0.0.1");
        return conf;
    }

    /**
     * Waits until the job runs, signals the harness, then blocks until the job ends (the harness
     * stops this JVM when it has read every output).
     */
    public static void runUntilStopped(JobClient client) throws Exception {
        long deadline = System.nanoTime() + Duration.ofMinutes(5).toNanos();
        JobStatus status = client.getJobStatus().get();
        while (status != JobStatus.RUNNING) {
            if (status.isGloballyTerminalState() || System.nanoTime() > deadline) {
                throw new IllegalStateException("the job did not start: " + status);
            }
            Thread.sleep(50);
            status = client.getJobStatus().get();
        }
        ReadySignal.signal();
        client.getJobExecutionResult().get();
    }
}
