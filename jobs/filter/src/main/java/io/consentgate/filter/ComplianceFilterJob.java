package io.consentgate.filter;

import io.consentgate.engine.PolicyException;
import io.consentgate.filter.internal.DecodedConsent;
import io.consentgate.filter.internal.DecodedPolicy;
import io.consentgate.filter.internal.DecodedSend;
import io.consentgate.filter.internal.SubjectInput;
import io.consentgate.filter.io.KafkaIo;
import io.consentgate.schema.ApprovedSend;
import io.consentgate.schema.AuditEvent;
import io.consentgate.schema.DeadLetter;
import io.consentgate.schema.DeferredSend;
import io.consentgate.schema.PolicyDocument;
import java.io.IOException;
import org.apache.avro.specific.SpecificRecordBase;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.api.connector.sink2.Sink;
import org.apache.flink.api.connector.source.Source;
import org.apache.flink.configuration.CheckpointingOptions;
import org.apache.flink.configuration.Configuration;
import org.apache.flink.configuration.PipelineOptions;
import org.apache.flink.configuration.StateBackendOptions;
import org.apache.flink.core.execution.CheckpointingMode;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.streaming.api.datastream.DataStream;
import org.apache.flink.streaming.api.datastream.SingleOutputStreamOperator;
import org.apache.flink.streaming.api.environment.StreamExecutionEnvironment;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The compliance filter: reads send requests, consent events and policy versions from Kafka,
 * decides every send with the engine in event time per subject under the policy version in force at
 * its time, and writes approved and deferred sends, one audit event per decision and alert, and
 * dead letters back to Kafka.
 *
 * <p>{@link #main} only parses the configuration and builds the real Kafka sources and sinks;
 * {@link #defineWorkflow} is the whole pipeline and takes them as arguments, so tests pass their
 * own. Every operator has a stable uid: they are the savepoint's names, never change one.
 */
public final class ComplianceFilterJob {
    private static final Logger LOG = LoggerFactory.getLogger(ComplianceFilterJob.class);

    private ComplianceFilterJob() {}

    public static final String SENDS_SOURCE_UID = "sends-source";
    public static final String CONSENT_SOURCE_UID = "consent-source";
    public static final String POLICY_SOURCE_UID = "policy-source";
    public static final String POLICY_ROUTER_UID = "policy-dead-letter-router";
    public static final String SENDS_ROUTER_UID = "sends-dead-letter-router";
    public static final String CONSENT_ROUTER_UID = "consent-dead-letter-router";
    public static final String DECIDE_UID = "decide";
    public static final String APPROVED_SINK_UID = "approved-sink";
    public static final String DEFERRED_SINK_UID = "deferred-sink";
    public static final String AUDIT_SINK_UID = "audit-sink";
    public static final String DLQ_SINK_UID = "dlq-sink";

    public static final String SENDS_SOURCE_NAME = "Send requests";
    public static final String CONSENT_SOURCE_NAME = "Consent events";
    public static final String POLICY_SOURCE_NAME = "Policy documents";
    public static final String POLICY_ROUTER_NAME = "Route invalid policy records";
    public static final String SENDS_ROUTER_NAME = "Route invalid sends";
    public static final String CONSENT_ROUTER_NAME = "Route invalid consent events";
    public static final String DECIDE_NAME = "Decide in event time per subject";
    public static final String APPROVED_SINK_NAME = "Approved sends";
    public static final String DEFERRED_SINK_NAME = "Deferred sends";
    public static final String AUDIT_SINK_NAME = "Audit events";
    public static final String DLQ_SINK_NAME = "Dead letters";

    public static void main(String[] args) throws Exception {
        FilterConfig config;
        try {
            config = FilterConfig.fromArgs(args);
        } catch (FilterConfig.HelpRequested help) {
            System.out.print(FilterConfig.helpText());
            return;
        }
        LOG.info("Starting the compliance filter with {}", config);
        checkPolicies(config);
        StreamExecutionEnvironment env =
                StreamExecutionEnvironment.getExecutionEnvironment(flinkConfiguration(config));
        if (config.parallelism() > 0) {
            env.setParallelism(config.parallelism());
        }
        defineWorkflow(
                env,
                config,
                KafkaIo.sendsSource(config),
                KafkaIo.consentSource(config),
                config.policyTopic().isEmpty() ? null : KafkaIo.policySource(config),
                KafkaIo.approvedSink(config),
                KafkaIo.deferredSink(config),
                KafkaIo.auditSink(config),
                KafkaIo.deadLetterSink(config));
        env.execute(config.jobName());
    }

    /**
     * The decision operator's settings; fails at start, with the field named, if a configured
     * policy file is invalid or the shadow policy's id conflicts.
     */
    static ComplianceFunction.Settings checkPolicies(FilterConfig config) throws IOException {
        ComplianceFunction.Settings settings = ComplianceFunction.Settings.of(config);
        try {
            settings.configured();
        } catch (PolicyException e) {
            throw new IllegalArgumentException(
                    "Invalid policy configuration (--"
                            + FilterConfig.POLICY_FILE.name()
                            + ", --"
                            + FilterConfig.POLICY_SHADOW_FILE.name()
                            + ", --"
                            + FilterConfig.POLICY_SHADOW_ID.name()
                            + "): "
                            + e.getMessage());
        }
        return settings;
    }

    /**
     * Flink settings the job relies on: RocksDB with incremental checkpoints, checkpoints at the
     * configured interval (exactly-once outputs are committed then; unaligned under backpressure; a
     * few failed ones tolerated), and no Kryo fallback.
     */
    public static Configuration flinkConfiguration(FilterConfig config) {
        Configuration conf = new Configuration();
        conf.set(StateBackendOptions.STATE_BACKEND, "rocksdb");
        conf.set(CheckpointingOptions.INCREMENTAL_CHECKPOINTS, true);
        conf.set(CheckpointingOptions.CHECKPOINTING_INTERVAL, config.checkpointInterval());
        conf.set(CheckpointingOptions.MIN_PAUSE_BETWEEN_CHECKPOINTS, config.checkpointMinPause());
        conf.set(CheckpointingOptions.CHECKPOINTING_TIMEOUT, config.checkpointTimeout());
        conf.set(
                CheckpointingOptions.TOLERABLE_FAILURE_NUMBER,
                config.checkpointTolerableFailures());
        conf.set(
                CheckpointingOptions.CHECKPOINTING_CONSISTENCY_MODE,
                config.deliveryGuarantee() == FilterConfig.Guarantee.EXACTLY_ONCE
                        ? CheckpointingMode.EXACTLY_ONCE
                        : CheckpointingMode.AT_LEAST_ONCE);
        if (config.deliveryGuarantee() == FilterConfig.Guarantee.EXACTLY_ONCE) {
            // Under backpressure (a catch-up) an aligned barrier queues behind every buffered
            // record; unaligned checkpoints let it overtake them, so checkpoints (and with them the
            // exactly-once commits) keep their cadence.
            conf.set(CheckpointingOptions.ENABLE_UNALIGNED, true);
            conf.set(
                    CheckpointingOptions.ALIGNED_CHECKPOINT_TIMEOUT,
                    config.checkpointUnalignedAfter());
        }
        if (!config.checkpointDir().isEmpty()) {
            conf.set(CheckpointingOptions.CHECKPOINTS_DIRECTORY, config.checkpointDir());
        }
        // Bloom filters: most point reads of keyed state miss (a new event time in the pending map,
        // a subject never seen). Without them every miss searches each SST level's index and data
        // blocks; with state beyond the block cache, that made pending.get the top frame of the
        // decision thread during a 1M-subject catch-up.
        conf.setString("state.backend.rocksdb.use-bloom-filter", "true");
        // Partitioned index and filter blocks: with state beyond the block cache only their top
        // level stays cached and partitions load on demand, instead of whole index and filter
        // blocks evicting data blocks (and each other). With larger write buffers (most pending
        // entries are deleted before a flush) a 400k-send catch-up beyond managed memory took
        // half the CPU (benchmarks/README.md, third round).
        conf.setString("state.backend.rocksdb.memory.partitioned-index-filters", "true");
        conf.setString(
                "state.backend.rocksdb.memory.write-buffer-ratio",
                Double.toString(config.rocksDbWriteBufferRatio()));
        // Timers in RocksDB unless configured otherwise (rocksdb.timers says why).
        conf.setString(
                "state.backend.rocksdb.timer-service.factory", config.rocksDbTimers().name());
        if (!config.rocksDbLocalDir().isEmpty()) {
            conf.setString("state.backend.rocksdb.localdir", config.rocksDbLocalDir());
        }
        conf.set(PipelineOptions.GENERIC_TYPES, false);
        // No deep copy of every Avro record between chained operators (the top Java frame of the
        // decision task in the demo's profile). Safe here: no operator keeps or mutates a record
        // after emitting it, state is RocksDB (serialized on write), and sinks serialize on write.
        conf.set(PipelineOptions.OBJECT_REUSE, true);
        conf.set(PipelineOptions.NAME, config.jobName());
        return conf;
    }

    /**
     * The pipeline without a policy topic: the configured policy (and shadow policy) decide every
     * send. It has the same stateful operators minus the policy source, so its savepoints restore
     * into the pipeline with a policy topic (whose source then starts from the earliest offset).
     */
    public static void defineWorkflow(
            StreamExecutionEnvironment env,
            FilterConfig config,
            Source<DecodedSend, ?, ?> sendsSource,
            Source<DecodedConsent, ?, ?> consentSource,
            Sink<ApprovedSend> approvedSink,
            Sink<DeferredSend> deferredSink,
            Sink<AuditEvent> auditSink,
            Sink<DeadLetter> deadLetterSink)
            throws IOException {
        defineWorkflow(
                env,
                config,
                sendsSource,
                consentSource,
                null,
                approvedSink,
                deferredSink,
                auditSink,
                deadLetterSink);
    }

    /**
     * The pipeline, top to bottom: decode (in the sources' deserializers) and watermark; route dead
     * letters aside; key sends and consent events by subject as one stream, connected to the policy
     * documents broadcast to every subtask; decide in event time; write every output.
     *
     * @param policySource the policy topic's source, or null for none
     */
    public static void defineWorkflow(
            StreamExecutionEnvironment env,
            FilterConfig config,
            Source<DecodedSend, ?, ?> sendsSource,
            Source<DecodedConsent, ?, ?> consentSource,
            Source<DecodedPolicy, ?, ?> policySource,
            Sink<ApprovedSend> approvedSink,
            Sink<DeferredSend> deferredSink,
            Sink<AuditEvent> auditSink,
            Sink<DeadLetter> deadLetterSink)
            throws IOException {
        ComplianceFunction.Settings settings = checkPolicies(config);

        // 1. Inputs: timestamps and watermarks from valid records only (optionally aligned: see
        // source.alignment.max-drift).
        SingleOutputStreamOperator<SubjectInput> sends =
                env.fromSource(
                                sendsSource,
                                InputWatermarks.alignedSends(
                                        InputWatermarks.forSends(
                                                config.maxOutOfOrderness(),
                                                config.sourceIdleness()),
                                        config.alignmentMaxDrift()),
                                SENDS_SOURCE_NAME,
                                new AvroTypeInfo<>(DecodedSend.class))
                        .uid(SENDS_SOURCE_UID)
                        .process(new RouteDeadLetters.Sends(), typeOf(SubjectInput.class))
                        .uid(SENDS_ROUTER_UID)
                        .name(SENDS_ROUTER_NAME);

        SingleOutputStreamOperator<SubjectInput> consentEvents =
                env.fromSource(
                                consentSource,
                                InputWatermarks.alignedConsent(
                                        InputWatermarks.forConsent(
                                                config.maxOutOfOrderness(),
                                                config.sourceIdleness()),
                                        config.alignmentMaxDrift()),
                                CONSENT_SOURCE_NAME,
                                new AvroTypeInfo<>(DecodedConsent.class))
                        .uid(CONSENT_SOURCE_UID)
                        .process(new RouteDeadLetters.Consents(), typeOf(SubjectInput.class))
                        .uid(CONSENT_ROUTER_UID)
                        .name(CONSENT_ROUTER_NAME);

        // A tiny topic: one reader. Without one, an empty stream that carries the sends'
        // watermarks stands in, so the broadcast input never holds decisions back.
        SingleOutputStreamOperator<PolicyDocument> policyRouter = null;
        DataStream<PolicyDocument> policies;
        if (policySource != null) {
            policyRouter =
                    env.fromSource(
                                    policySource,
                                    InputWatermarks.forPolicies(
                                            config.maxOutOfOrderness(), config.policyIdleness()),
                                    POLICY_SOURCE_NAME,
                                    new AvroTypeInfo<>(DecodedPolicy.class))
                            .setParallelism(1)
                            .uid(POLICY_SOURCE_UID)
                            .process(new RouteDeadLetters.Policies(), typeOf(PolicyDocument.class))
                            .setParallelism(1)
                            .uid(POLICY_ROUTER_UID)
                            .name(POLICY_ROUTER_NAME);
            policies = policyRouter;
        } else {
            policies = sends.getSideOutput(Descriptors.NO_POLICIES);
        }

        // 2. Decide: sends and consent events keyed by tenant + subject, ordered in event time,
        // with every policy version on every subtask.
        SingleOutputStreamOperator<AuditEvent> audit =
                sends.union(consentEvents)
                        .keyBy(new SubjectKey.OfInput())
                        .connect(policies.broadcast(Descriptors.POLICIES))
                        .process(new ComplianceFunction(settings), typeOf(AuditEvent.class))
                        .uid(DECIDE_UID)
                        .name(DECIDE_NAME);

        // 3. Outputs.
        audit.getSideOutput(Descriptors.APPROVED)
                .sinkTo(approvedSink)
                .uid(APPROVED_SINK_UID)
                .name(APPROVED_SINK_NAME);
        audit.getSideOutput(Descriptors.DEFERRED_SENDS)
                .sinkTo(deferredSink)
                .uid(DEFERRED_SINK_UID)
                .name(DEFERRED_SINK_NAME);
        audit.sinkTo(auditSink).uid(AUDIT_SINK_UID).name(AUDIT_SINK_NAME);

        DataStream<DeadLetter> deadLetters =
                sends.getSideOutput(Descriptors.DEAD_LETTERS)
                        .union(
                                consentEvents.getSideOutput(Descriptors.DEAD_LETTERS),
                                audit.getSideOutput(Descriptors.DEAD_LETTERS));
        if (policyRouter != null) {
            deadLetters = deadLetters.union(policyRouter.getSideOutput(Descriptors.DEAD_LETTERS));
        }
        deadLetters.sinkTo(deadLetterSink).uid(DLQ_SINK_UID).name(DLQ_SINK_NAME);
    }

    private static <T extends SpecificRecordBase> TypeInformation<T> typeOf(Class<T> type) {
        return new AvroTypeInfo<>(type);
    }
}
