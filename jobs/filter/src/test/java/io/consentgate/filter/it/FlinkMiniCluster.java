package io.consentgate.filter.it;

import java.util.concurrent.TimeUnit;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.runtime.client.JobStatusMessage;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One Flink MiniCluster per test class (one TaskManager, a slot per subtask, managed memory for
 * RocksDB), injected into test methods as a {@link MiniCluster} parameter; jobs are submitted to it
 * directly ({@link PipelineRun#start}).
 *
 * <p>It stands in for flink-test-utils' {@code MiniClusterExtension} and {@code
 * TestStreamEnvironment}, which cannot be used here: both load JUnit 4 classes, and this module's
 * test class path has no JUnit 4 (the pom excludes junit-vintage, which brought it in). The REST
 * endpoint binds a random port, so test JVMs running side by side do not collide on 8081.
 */
final class FlinkMiniCluster
        implements BeforeAllCallback, AfterAllCallback, AfterEachCallback, ParameterResolver {

    private final int slots;
    private MiniCluster cluster;

    FlinkMiniCluster(int slots) {
        this.slots = slots;
    }

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        Configuration conf = new Configuration();
        conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.parse("256m"));
        conf.set(RestOptions.BIND_PORT, "0");
        conf.set(RestOptions.ADDRESS, "127.0.0.1");
        cluster =
                new MiniCluster(
                        new MiniClusterConfiguration.Builder()
                                .setConfiguration(conf)
                                .setNumTaskManagers(1)
                                .setNumSlotsPerTaskManager(slots)
                                .build());
        cluster.start();
    }

    @Override
    public void afterEach(ExtensionContext context) throws Exception {
        // A test that failed mid-run leaves its job running; the next test gets the slots back.
        for (JobStatusMessage job : cluster.listJobs().get(30, TimeUnit.SECONDS)) {
            if (!job.getJobState().isGloballyTerminalState()) {
                cluster.cancelJob(job.getJobId()).get(30, TimeUnit.SECONDS);
            }
        }
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        if (cluster != null) {
            cluster.closeAsync().get(60, TimeUnit.SECONDS);
            cluster = null;
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == MiniCluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return cluster;
    }
}
