package io.consentgate.filter.it;

import io.consentgate.filter.ComplianceFilterJob;
import io.consentgate.filter.FilterConfig;
import io.consentgate.filter.internal.DecodedConsent;
import io.consentgate.filter.internal.DecodedPolicy;
import io.consentgate.filter.internal.DecodedSend;
import io.consentgate.filter.io.ConsentEventDeserializer;
import io.consentgate.filter.io.InputLimits;
import io.consentgate.filter.io.KafkaIo;
import io.consentgate.filter.io.PolicyDocumentDeserializer;
import io.consentgate.filter.io.Registry;
import io.consentgate.filter.io.SendRequestDeserializer;
import io.consentgate.local.LocalInfra;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.flink.api.common.JobExecutionResult;
import org.apache.flink.api.common.JobID;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.RestartStrategyOptions;
import org.apache.flink.connector.kafka.source.KafkaSource;
import org.apache.flink.connector.kafka.source.enumerator.initializer.OffsetsInitializer;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.runtime.checkpoint.CheckpointStatsCounts;
import org.apache.flink.runtime.executiongraph.AccessExecutionGraph;
import org.apache.flink.runtime.executiongraph.AccessExecutionVertex;
import org.apache.flink.runtime.jobmaster.JobResult;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;

/**
 * Runs the real pipeline ({@link ComplianceFilterJob#defineWorkflow}) on the test class's
 * MiniCluster against the JVM's broker and registry ({@link LocalInfra}): the job's Flink settings
 * (RocksDB, incremental checkpoints, no Kryo), its own deserializers, dead-letter routing and
 * exactly-once Kafka sinks. Only the sources differ from production: they read from the earliest to
 * the latest offset at start (bounded, so the job ends), and wrap the job's deserializers in {@link
 * InstrumentedDeserializer}.
 *
 * <p>Test settings, and why: checkpoints every 500 ms so bounded runs commit quickly; a 120 s
 * transaction timeout (far below the broker maximum) so a lingering transaction shows up within a
 * test's patience, with a 25 s checkpoint timeout so that it still outlasts the default tolerated
 * failures (4 x 25.5 s); and 30 s source idleness so that no partition of a short run is declared
 * idle while its reader is merely slow to start on a busy machine, which would let the watermark
 * overtake its records and make them late. Bounded sources finish their splits, which releases the
 * watermark without idleness.
 */
final class PipelineRun {
    static final int PARALLELISM = 2;
    static final Duration JOB_TIMEOUT = Duration.ofMinutes(3);

    private PipelineRun() {}

    /** One MiniCluster per test class, with a slot per subtask. */
    static FlinkMiniCluster miniCluster() {
        return new FlinkMiniCluster(PARALLELISM);
    }

    /** The job configuration for these topics, with test settings; {@code overrides} win. */
    static FilterConfig config(Topics topics, Map<String, String> overrides) {
        return config(topics, LocalInfra.broker().bootstrapServers(), overrides);
    }

    /**
     * The job configuration for these topics on the broker at {@code bootstrapServers}, with test
     * settings; {@code overrides} (e.g. {@code kafka.*} client properties) win.
     */
    static FilterConfig config(
            Topics topics, String bootstrapServers, Map<String, String> overrides) {
        Path checkpoints =
                Path.of(System.getProperty("java.io.tmpdir"), "it-checkpoints", topics.prefix())
                        .toAbsolutePath();
        Map<String, String> m = new LinkedHashMap<>();
        m.put(FilterConfig.BOOTSTRAP_SERVERS.name(), bootstrapServers);
        m.put(FilterConfig.REGISTRY_URL.name(), LocalInfra.registry().confluentApiUrl());
        m.put(FilterConfig.REGISTRY_RETRY_BUDGET.name(), "20s");
        m.put(FilterConfig.GROUP_ID.name(), topics.prefix() + "filter");
        m.put(FilterConfig.TOPIC_SENDS.name(), topics.sends());
        m.put(FilterConfig.TOPIC_CONSENT.name(), topics.consent());
        m.put(FilterConfig.TOPIC_POLICY.name(), topics.policy());
        m.put(FilterConfig.TOPIC_APPROVED.name(), topics.approved());
        m.put(FilterConfig.TOPIC_DEFERRED.name(), topics.deferred());
        m.put(FilterConfig.TOPIC_AUDIT.name(), topics.audit());
        m.put(FilterConfig.TOPIC_DLQ.name(), topics.dlq());
        m.put(FilterConfig.SOURCE_IDLENESS.name(), "30s");
        m.put(FilterConfig.CHECKPOINT_INTERVAL.name(), "500ms");
        m.put(FilterConfig.CHECKPOINT_MIN_PAUSE.name(), "100ms");
        m.put(FilterConfig.CHECKPOINT_TIMEOUT.name(), "25s");
        m.put(FilterConfig.CHECKPOINT_DIR.name(), checkpoints.toUri().toString());
        m.put(FilterConfig.TRANSACTION_TIMEOUT.name(), "120s");
        m.put(FilterConfig.TRANSACTIONAL_ID_PREFIX.name(), topics.prefix() + "tx");
        m.put(FilterConfig.PARALLELISM.name(), Integer.toString(PARALLELISM));
        m.put(FilterConfig.JOB_NAME.name(), topics.prefix() + "filter");
        m.putAll(overrides);
        return FilterConfig.fromMap(m);
    }

    /** No restarts: any failure fails the test at once, with its cause. */
    static Configuration noRestarts() {
        Configuration c = new Configuration();
        c.set(RestartStrategyOptions.RESTART_STRATEGY, "none");
        return c;
    }

    static Configuration fixedDelayRestarts(int attempts, Duration delay) {
        Configuration c = new Configuration();
        c.set(RestartStrategyOptions.RESTART_STRATEGY, "fixed-delay");
        c.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_ATTEMPTS, attempts);
        c.set(RestartStrategyOptions.RESTART_STRATEGY_FIXED_DELAY_DELAY, delay);
        return c;
    }

    /**
     * Builds the pipeline without a policy topic and submits it to the cluster without waiting.
     *
     * @param sendsFault the {@link InjectedFault} the sends source throws, or null
     */
    static JobID start(
            MiniCluster cluster, FilterConfig config, Configuration restarts, String sendsFault)
            throws Exception {
        return start(cluster, config, restarts, sendsFault, false);
    }

    /**
     * Builds the pipeline and submits it to the cluster without waiting.
     *
     * @param sendsFault the {@link InjectedFault} the sends source throws, or null
     * @param withPolicies whether the job reads the policy topic
     */
    static JobID start(
            MiniCluster cluster,
            FilterConfig config,
            Configuration restarts,
            String sendsFault,
            boolean withPolicies)
            throws Exception {
        Configuration conf = ComplianceFilterJob.flinkConfiguration(config);
        conf.addAll(restarts);
        StreamExecutionEnvironment env = new StreamExecutionEnvironment(conf);
        env.setParallelism(PARALLELISM);
        ComplianceFilterJob.defineWorkflow(
                env,
                config,
                sendsSource(config, sendsFault),
                consentSource(config),
                withPolicies ? policySource(config) : null,
                KafkaIo.approvedSink(config),
                KafkaIo.deferredSink(config),
                KafkaIo.auditSink(config),
                KafkaIo.deadLetterSink(config));
        return cluster.submitJob(env.getStreamGraph()).get(60, TimeUnit.SECONDS).getJobID();
    }

    /** Waits for the job to finish; throws its failure. */
    static JobExecutionResult await(MiniCluster cluster, JobID job) throws Exception {
        JobResult result =
                cluster.requestJobResult(job).get(JOB_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        return result.toJobExecutionResult(PipelineRun.class.getClassLoader());
    }

    /** Runs the pipeline without a policy topic to its end. */
    static JobID run(MiniCluster cluster, FilterConfig config, Configuration restarts)
            throws Exception {
        return run(cluster, config, restarts, false);
    }

    /** Runs the pipeline to its end, reading the policy topic if {@code withPolicies}. */
    static JobID run(
            MiniCluster cluster, FilterConfig config, Configuration restarts, boolean withPolicies)
            throws Exception {
        JobID job = start(cluster, config, restarts, null, withPolicies);
        await(cluster, job);
        return job;
    }

    /** The job's sends source: the production deserializer, read from earliest to latest. */
    static KafkaSource<DecodedSend> sendsSource(FilterConfig config, String fault) {
        return source(
                config,
                config.sendsTopic(),
                new InstrumentedDeserializer<>(
                        new SendRequestDeserializer(
                                InputLimits.of(config),
                                Registry.writerSchemas(config.registryAccess())),
                        fault));
    }

    static KafkaSource<DecodedConsent> consentSource(FilterConfig config) {
        return source(
                config,
                config.consentTopic(),
                new InstrumentedDeserializer<>(
                        new ConsentEventDeserializer(
                                InputLimits.of(config),
                                Registry.writerSchemas(config.registryAccess())),
                        null));
    }

    /** The job's policy source: the production deserializer, read from earliest to latest. */
    static KafkaSource<DecodedPolicy> policySource(FilterConfig config) {
        return source(
                config,
                config.policyTopic(),
                new PolicyDocumentDeserializer(
                        InputLimits.of(config), Registry.writerSchemas(config.registryAccess())));
    }

    private static <T> KafkaSource<T> source(
            FilterConfig config, String topic, KafkaRecordDeserializationSchema<T> deserializer) {
        return KafkaSource.<T>builder()
                .setBootstrapServers(config.bootstrapServers())
                .setGroupId(config.groupId())
                .setTopics(topic)
                .setStartingOffsets(OffsetsInitializer.earliest())
                .setBounded(OffsetsInitializer.latest())
                // The kafka.* pass-through properties (security), as the job's own sources.
                .setProperties(config.kafkaProperties())
                .setProperty("isolation.level", "read_committed")
                .setDeserializer(deserializer)
                .build();
    }

    static AccessExecutionGraph graph(MiniCluster cluster, JobID job) throws Exception {
        return cluster.getExecutionGraph(job).get(30, TimeUnit.SECONDS);
    }

    /** The highest attempt number of any task: 0 when the job never restarted. */
    static int maxAttemptNumber(MiniCluster cluster, JobID job) throws Exception {
        int max = 0;
        for (AccessExecutionVertex v : graph(cluster, job).getAllExecutionVertices()) {
            max = Math.max(max, v.getCurrentExecutionAttempt().getAttemptNumber());
        }
        return max;
    }

    static CheckpointStatsCounts checkpoints(MiniCluster cluster, JobID job) throws Exception {
        return graph(cluster, job).getCheckpointStatsSnapshot().getCounts();
    }

    /** The state backend the job ran with, e.g. EmbeddedRocksDBStateBackend. */
    static String stateBackend(MiniCluster cluster, JobID job) throws Exception {
        return graph(cluster, job).getStateBackendName().orElse("(none)");
    }
}
