package io.consentgate.filter.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgate.filter.FilterConfig;
import io.consentgate.replay.ScenarioEvent;
import io.consentgate.schema.DeadLetter;
import io.consentgate.schema.Verdict;
import java.util.List;
import java.util.Map;
import org.apache.flink.api.common.JobID;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * A few thousand sends for a few hundred subjects through the real pipeline: read_committed, every
 * send has exactly one audit decision (plus one re-decision per DEFER), and every approved record
 * is an ALLOW audit with the same decision id, lawful basis and policy.
 */
class ExactlyOnceITCase {

    static final int SUBJECTS = 300;
    static final int SENDS_PER_SUBJECT = 10;

    @RegisterExtension static final FlinkMiniCluster CLUSTER = PipelineRun.miniCluster();

    @Test
    void everySendHasExactlyOneDecisionAndApprovalsMatchTheirAudits(MiniCluster cluster)
            throws Exception {
        List<ScenarioEvent> events = Workload.generate("t-eo", SUBJECTS, SENDS_PER_SUBJECT);
        Topics topics = Topics.fresh("exactly-once");
        KafkaTestIo.createTopics(topics);
        try (KafkaTestIo kafka = new KafkaTestIo()) {
            kafka.produce(topics, events, null);
        }
        FilterConfig config = PipelineRun.config(topics, Map.of());
        JobID job = PipelineRun.run(cluster, config, PipelineRun.noRestarts());

        assertThat(PipelineRun.stateBackend(cluster, job)).contains("RocksDB");
        assertThat(KafkaTestIo.readCommitted(topics.dlq(), DeadLetter.class)).isEmpty();
        Outputs out = Outputs.read(topics);
        out.assertExactlyOnce(Workload.messageIds(events));
        out.assertSameDecisionsAs(events);
        assertThat(out.countFirst(Verdict.ALLOW)).as("ALLOW decisions").isPositive();
        assertThat(out.countFirst(Verdict.BLOCK)).as("BLOCK decisions").isPositive();
        assertThat(out.countFirst(Verdict.DEFER)).as("DEFER decisions").isPositive();
    }
}
