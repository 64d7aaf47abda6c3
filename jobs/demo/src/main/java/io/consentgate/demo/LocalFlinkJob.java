package io.consentgate.demo;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.consentgate.filter.ComplianceFilterJob;
import io.consentgate.filter.FilterConfig;
import io.consentgate.filter.io.KafkaIo;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.apache.flink.api.common.JobID;
import org.apache.flink.api.common.JobStatus;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.CoreOptions;
import org.apache.flink.configuration.MemorySize;
import org.apache.flink.configuration.RestOptions;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.configuration.TaskManagerOptions;
import org.apache.flink.core.execution.SavepointFormatType;
import org.apache.flink.runtime.jobgraph.JobGraph;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.runtime.minicluster.MiniClusterConfiguration;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The compliance filter on a local Flink MiniCluster: the job's own configuration ({@link
 * ComplianceFilterJob#flinkConfiguration}: RocksDB, incremental checkpoints, exactly-once) plus the
 * web UI and a Prometheus endpoint on loopback, and every file under the run directory.
 *
 * <p>A bounded run ends with stop-with-savepoint (see {@link #stop}): the final savepoint commits
 * the last Kafka transactions.
 */
final class LocalFlinkJob implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalFlinkJob.class);

    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
    private final MiniCluster cluster;
    private final JobID jobId;
    private final Path savepoints;
    private final URI webUi;

    private LocalFlinkJob(MiniCluster cluster, JobID jobId, Path savepoints, URI webUi) {
        this.cluster = cluster;
        this.jobId = jobId;
        this.savepoints = savepoints;
        this.webUi = webUi;
    }

    /** Flink settings of the demo: the job's own, then local resources, ports and files. */
    static Configuration configuration(
            FilterConfig config, int parallelism, Path runDir, int restPort, int metricsPort) {
        Configuration conf = ComplianceFilterJob.flinkConfiguration(config);
        conf.set(CoreOptions.DEFAULT_PARALLELISM, parallelism);
        conf.set(TaskManagerOptions.NUM_TASK_SLOTS, parallelism);
        // RocksDB warns (and is slower) without managed memory under a MiniCluster.
        conf.set(TaskManagerOptions.MANAGED_MEMORY_SIZE, MemorySize.parse("256m"));
        conf.set(CoreOptions.TMP_DIRS, runDir.resolve("flink-tmp").toString());
        conf.set(
                CheckpointingOptions.CHECKPOINTS_DIRECTORY,
                runDir.resolve("checkpoints").toUri().toString());
        conf.set(
                CheckpointingOptions.SAVEPOINT_DIRECTORY,
                runDir.resolve("savepoints").toUri().toString());
        // A demo should fail visibly, not restart forever.
        conf.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, 3);
        conf.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, Duration.ofSeconds(2));
        // Everything on loopback: web UI and REST API, RPC, blobs, data exchange, metrics.
        conf.set(RestOptions.ADDRESS, "127.0.0.1");
        conf.set(RestOptions.BIND_ADDRESS, "127.0.0.1");
        conf.set(RestOptions.PORT, restPort);
        conf.setString("jobmanager.bind-host", "127.0.0.1");
        conf.setString("taskmanager.bind-host", "127.0.0.1");
        conf.setString("taskmanager.host", "127.0.0.1");
        conf.setString(
                "metrics.reporter.prom.factory.class",
                LoopbackPrometheusReporterFactory.class.getName());
        conf.setString("metrics.reporter.prom.host", "127.0.0.1");
        conf.setString("metrics.reporter.prom.port", Integer.toString(metricsPort));
        // The web UI shows the demo's log as the JobManager log.
        String log = System.getProperty(DemoMain.LOG_PROPERTY);
        if (log != null) {
            conf.setString("web.log.path", log);
        }
        // The REST API's metrics (the decision watermark the demo waits for) refresh every second.
        conf.setString("metrics.fetcher.update-interval", "1000");
        return conf;
    }

    /** Starts a MiniCluster and submits the filter job to it. */
    static LocalFlinkJob start(FilterConfig config, Configuration conf, int parallelism)
            throws Exception {
        MiniCluster cluster =
                new MiniCluster(
                        new MiniClusterConfiguration.Builder()
                                .setConfiguration(conf)
                                .setNumTaskManagers(1)
                                .setNumSlotsPerTaskManager(parallelism)
                                .setCommonBindAddress("127.0.0.1")
                                .build());
        try {
            cluster.start();
            StreamExecutionEnvironment env = new StreamExecutionEnvironment(conf);
            env.setParallelism(parallelism);
            // The same sources and sinks as ComplianceFilterJob.main.
            ComplianceFilterJob.defineWorkflow(
                    env,
                    config,
                    KafkaIo.sendsSource(config),
                    KafkaIo.consentSource(config),
                    config.policyTopic().isEmpty() ? null : KafkaIo.policySource(config),
                    KafkaIo.approvedSink(config),
                    KafkaIo.deferredSink(config),
                    KafkaIo.auditSink(config),
                    KafkaIo.deadLetterSink(config));
            var graph = env.getStreamGraph();
            graph.setJobName(config.jobName());
            JobGraph jobGraph = graph.getJobGraph(LocalFlinkJob.class.getClassLoader());
            JobID id = cluster.submitJob(jobGraph).get(60, TimeUnit.SECONDS).getJobID();
            URI webUi = cluster.getRestAddress().get(30, TimeUnit.SECONDS);
            Path savepoints =
                    Path.of(URI.create(conf.get(CheckpointingOptions.SAVEPOINT_DIRECTORY)));
            return new LocalFlinkJob(cluster, id, savepoints, webUi);
        } catch (Exception e) {
            cluster.close();
            throw e;
        }
    }

    URI webUi() {
        return webUi;
    }

    JobID jobId() {
        return jobId;
    }

    JobStatus status() {
        try {
            return cluster.getJobStatus(jobId).get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            return JobStatus.FAILED;
        }
    }

    /** Waits until every task runs (the sources read), or fails if the job ended. */
    void awaitRunning(Duration timeout) throws Exception {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            var graph = cluster.getExecutionGraph(jobId).get(10, TimeUnit.SECONDS);
            if (graph.getState().isGloballyTerminalState()) {
                throw new IllegalStateException("the filter job ended: " + failureOf());
            }
            boolean allRunning = graph.getState() == JobStatus.RUNNING;
            for (var v : graph.getAllExecutionVertices()) {
                allRunning &=
                        v.getExecutionState()
                                == org.apache.flink.runtime.execution.ExecutionState.RUNNING;
            }
            if (allRunning) {
                return;
            }
            Thread.sleep(200);
        }
        throw new TimeoutException("the filter job is not running after " + timeout);
    }

    /**
     * The output watermark of the decision operator (the minimum over its subtasks): its timers up
     * to there have fired, so every send at or before it has been decided. {@link Long#MIN_VALUE}
     * while unknown. (The task's input watermark would not do: it is the minimum of both inputs and
     * ignores that one of them is idle.)
     */
    long decisionWatermark() {
        try {
            String base = webUi.toString() + "/jobs/" + jobId;
            String vertex = null;
            for (JsonNode v : get(base).path("vertices")) {
                if (v.path("name").asText().startsWith(ComplianceFilterJob.DECIDE_NAME)) {
                    vertex = v.path("id").asText();
                }
            }
            if (vertex == null) {
                return Long.MIN_VALUE;
            }
            String metrics = base + "/vertices/" + vertex + "/metrics";
            String operator = metricName(ComplianceFilterJob.DECIDE_NAME);
            List<String> ids = new ArrayList<>();
            for (JsonNode m : get(metrics)) {
                String id = m.path("id").asText();
                int dot = id.indexOf('.');
                if (id.endsWith(".currentOutputWatermark")
                        && metricName(id.substring(dot + 1, id.lastIndexOf('.')))
                                .equals(operator)) {
                    ids.add(id);
                }
            }
            if (ids.isEmpty()) {
                return Long.MIN_VALUE;
            }
            long min = Long.MAX_VALUE;
            for (JsonNode w : get(metrics + "?get=" + String.join(",", ids))) {
                min = Math.min(min, Long.parseLong(w.path("value").asText()));
            }
            return min;
        } catch (IOException | RuntimeException e) {
            return Long.MIN_VALUE;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Long.MIN_VALUE;
        }
    }

    /** How operator names appear in metric ids: anything but letters and digits becomes '_'. */
    private static String metricName(String operatorName) {
        return operatorName.replaceAll("[^A-Za-z0-9]", "_");
    }

    private JsonNode get(String url) throws IOException, InterruptedException {
        HttpResponse<String> r =
                http.send(
                        HttpRequest.newBuilder(URI.create(url))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IOException("HTTP " + r.statusCode() + " from " + url);
        }
        return JSON.readTree(r.body());
    }

    /**
     * Stops the job with a final savepoint, which commits every Kafka transaction of the outputs
     * decided so far. Sends still buffered or deferred stay in the savepoint.
     *
     * <p>Not a drain: advancing event time to its end would also fire every state-cleanup timer,
     * and would not reach the decision operator anyway once the sources are idle (Flink drops the
     * watermarks of idle outputs). Callers first move event time past the last send instead.
     */
    void stop(Duration timeout) throws Exception {
        String path =
                cluster.stopWithSavepoint(
                                jobId,
                                savepoints.toUri().toString(),
                                false,
                                SavepointFormatType.CANONICAL)
                        .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        LOG.info("Filter job stopped; final savepoint {}", path);
        JobResult result =
                cluster.requestJobResult(jobId).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
        if (!result.isSuccess()) {
            throw new IllegalStateException("the filter job failed while stopping: " + failureOf());
        }
    }

    /** Cancels the job (uncommitted outputs are aborted) and waits for it to end. */
    void cancel(Duration timeout) {
        try {
            if (!status().isGloballyTerminalState()) {
                cluster.cancelJob(jobId).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
                cluster.requestJobResult(jobId).get(timeout.toMillis(), TimeUnit.MILLISECONDS);
            }
        } catch (Exception e) {
            LOG.warn("Cancelling the filter job: {}", e.toString());
        }
    }

    /** The job's failure cause, or its status when it did not fail. */
    String failureOf() {
        try {
            JobResult r = cluster.requestJobResult(jobId).get(5, TimeUnit.SECONDS);
            return r.getSerializedThrowable()
                    .map(t -> t.getFullStringifiedStackTrace().lines().findFirst().orElse(""))
                    .orElse(String.valueOf(r.getApplicationStatus()));
        } catch (Exception e) {
            return String.valueOf(status());
        }
    }

    boolean clusterRunning() {
        return cluster.isRunning();
    }

    @Override
    public void close() throws Exception {
        cluster.closeAsync().get(60, TimeUnit.SECONDS);
    }
}
