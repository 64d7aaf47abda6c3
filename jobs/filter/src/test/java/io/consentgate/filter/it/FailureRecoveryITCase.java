package io.consentgate.filter.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgate.filter.FilterConfig;
import io.consentgate.replay.ScenarioEvent;
import io.consentgate.schema.DeadLetter;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobID;
import org.apache.flink.runtime.checkpoint.CheckpointStatsCounts;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A failure injected mid-stream, after checkpoints have completed, is recovered from the last
 * checkpoint without losing or duplicating anything: read_committed, every send has exactly one
 * audit decision, approvals have no duplicate message id, and the decisions are the ones the engine
 * makes for the same history.
 *
 * <p>The failure is thrown by the sends source's deserializer (a test wrapper around the job's own,
 * see {@link InstrumentedDeserializer}) on the first record after the test arms it, which it does
 * once two checkpoints have completed; until it fires, every send is delayed, so the input outlasts
 * that. With Kafka in and out and a keyed exchange in between, the whole job is one failover
 * region: every task restarts, sources rewind to the checkpointed offsets, RocksDB state is
 * restored, and the sinks abort the transactions of the failed attempt.
 */
class FailureRecoveryITCase {

    static final int SUBJECTS = 150;
    static final int SENDS_PER_SUBJECT = 10;

    /**
     * Delay per send record until the fault fires: the two readers would need 1500 x 20 ms / 2 = 15
     * s for the whole input, far longer than two checkpoints take.
     */
    static final long PAUSE_UNTIL_FAILURE_MS = 20;

    @RegisterExtension static final FlinkMiniCluster CLUSTER = PipelineRun.miniCluster();

    @Test
    void aFailureAfterCheckpointsLosesAndDuplicatesNothing(MiniCluster cluster) throws Exception {
        List<ScenarioEvent> events = Workload.generate("t-fr", SUBJECTS, SENDS_PER_SUBJECT);
        Topics topics = Topics.fresh("failure-recovery");
        KafkaTestIo.createTopics(topics);
        try (KafkaTestIo kafka = new KafkaTestIo()) {
            kafka.produce(topics, events, null);
        }
        String faultName = topics.prefix() + "sends-source";
        InjectedFault fault = InjectedFault.create(faultName, PAUSE_UNTIL_FAILURE_MS);
        // No watermark alignment here: these sources are bounded, and Flink 2.2 fails a restored
        // job when a source task that had already finished receives an alignment event
        // (FinishedOperatorChain.dispatchOperatorEvent). The production sources never finish.
        FilterConfig config =
                PipelineRun.config(topics, Map.of("source.alignment.max-drift", "0s"));

        JobID job =
                PipelineRun.start(
                        cluster,
                        config,
                        PipelineRun.fixedDelayRestarts(3, Duration.ofMillis(500)),
                        faultName);
        awaitCompletedCheckpoints(cluster, job, 2);
        fault.arm();
        PipelineRun.await(cluster, job);

        assertThat(fault.fired())
                .as(
                        "the injected failure fired (if not, the input was read before two checkpoints"
                                + " completed: raise PAUSE_UNTIL_FAILURE_MS)")
                .isTrue();
        assertThat(PipelineRun.maxAttemptNumber(cluster, job))
                .as("the job restarted once")
                .isEqualTo(1);
        CheckpointStatsCounts checkpoints = PipelineRun.checkpoints(cluster, job);
        assertThat(checkpoints.getNumberOfRestoredCheckpoints())
                .as("recovered from a checkpoint, not from scratch")
                .isEqualTo(1);

        assertThat(KafkaTestIo.readCommitted(topics.dlq(), DeadLetter.class)).isEmpty();
        Outputs out = Outputs.read(topics);
        out.assertExactlyOnce(Workload.messageIds(events));
        out.assertSameDecisionsAs(events);
    }

    private static void awaitCompletedCheckpoints(MiniCluster cluster, JobID job, long count)
            throws Exception {
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            try {
                if (PipelineRun.checkpoints(cluster, job).getNumberOfCompletedCheckpoints()
                        >= count) {
                    return;
                }
            } catch (Exception e) {
                // The job may not be known to the dispatcher yet.
            }
            if (System.nanoTime() > deadline) {
                throw new AssertionError("fewer than " + count + " checkpoints completed in 60 s");
            }
            Thread.sleep(50);
        }
    }
}
