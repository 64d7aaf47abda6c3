package io.consentgate.filter.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgate.engine.Policy;
import io.consentgate.filter.FilterConfig;
import io.consentgate.filter.it.KafkaTestIo.Out;
import io.consentgate.replay.AppliedOrder;
import io.consentgate.replay.DecidedSend;
import io.consentgate.replay.Scenario;
import io.consentgate.replay.ScenarioEvent;
import io.consentgate.replay.ScenarioReader;
import io.consentgate.replay.ScenarioRunner;
import io.consentgate.schema.ApprovedSend;
import io.consentgate.schema.AuditEvent;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.DeadLetter;
import io.consentgate.schema.DeferredSend;
import io.consentgate.schema.SendRequest;
import io.consentgate.schema.Verdict;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.flink.api.common.JobID;
import org.apache.flink.runtime.minicluster.MiniCluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;

/**
 * Every scenario in the repository's {@code scenarios/} folder, fed through Kafka into the job,
 * gets the same first decision per send (verdict, lawful basis, primary reason, notBefore of a
 * DEFER) as {@link ScenarioRunner}, which is what {@code evaluate} prints.
 *
 * <p>All scenarios run in one job. Scenarios reuse tenant and subject ids, so each scenario's
 * tenant gets the prefix {@code p<n>-} (the engine never looks at the tenant): every scenario keeps
 * its own ledgers, as the runner gives it. Events are produced in applied order, so every partition
 * is in event-time order and no record is late: the job must order them exactly as the runner does,
 * including consent before send at equal times across the two topics.
 */
class ScenarioParityITCase {

    @RegisterExtension static final FlinkMiniCluster CLUSTER = PipelineRun.miniCluster();

    @Test
    void everyScenarioGetsTheSameFirstDecisionThroughKafkaAsEvaluate(MiniCluster cluster)
            throws Exception {
        List<Scenario> scenarios = ScenarioReader.readAll(List.of(scenariosFolder()));
        assertThat(scenarios).isNotEmpty();
        ScenarioRunner runner = new ScenarioRunner(Policy.defaultPolicy());

        List<ScenarioEvent> all = new ArrayList<>();
        Map<Integer, Map<String, DecidedSend>> expected = new HashMap<>();
        int deferrals = 0;
        for (int i = 0; i < scenarios.size(); i++) {
            Scenario s = scenarios.get(i);
            List<DecidedSend> decided = runner.replay(s.events());
            expected.put(i, Decisions.expected(decided));
            deferrals +=
                    (int)
                            decided.stream()
                                    .filter(d -> d.decision().verdict() == Verdict.DEFER)
                                    .count();
            for (ScenarioEvent e : s.events()) {
                all.add(prefixed(e, prefix(i)));
            }
        }

        Topics topics = Topics.fresh("parity");
        KafkaTestIo.createTopics(topics);
        try (KafkaTestIo kafka = new KafkaTestIo()) {
            kafka.produce(topics, AppliedOrder.sort(all), null);
        }
        FilterConfig config = PipelineRun.config(topics, Map.of());
        JobID job = PipelineRun.run(cluster, config, PipelineRun.noRestarts());

        assertThat(PipelineRun.stateBackend(cluster, job)).contains("RocksDB");
        List<Out<DeadLetter>> dlq = KafkaTestIo.readCommitted(topics.dlq(), DeadLetter.class);
        assertThat(dlq).as("scenario records are valid; dead letters: %s", codes(dlq)).isEmpty();

        List<Out<AuditEvent>> audit = KafkaTestIo.readCommitted(topics.audit(), AuditEvent.class);
        Map<Integer, Map<String, AuditEvent>> actual =
                Decisions.firstDecisions(audit, a -> scenarioIndex(a.getTenantId()));
        List<String> mismatches = new ArrayList<>();
        for (int i = 0; i < scenarios.size(); i++) {
            Scenario s = scenarios.get(i);
            mismatches.addAll(
                    Decisions.compare(
                            "scenario \"" + s.name() + "\" (" + s.file() + ")",
                            expected.get(i),
                            actual.getOrDefault(i, Map.of())));
        }
        assertThat(mismatches)
                .as(
                        "first decisions that differ between evaluate and the Flink job (%d of"
                                + " %d scenarios):%n%s",
                        mismatches.size(),
                        scenarios.size(),
                        String.join(System.lineSeparator(), mismatches))
                .isEmpty();

        // Each DEFER is decided once more at notBefore, and only DEFERs are.
        long redecisions = audit.stream().filter(o -> Decisions.isRedecision(o.value())).count();
        assertThat(redecisions).as("re-decisions of deferred sends").isEqualTo(deferrals);
        assertThat(KafkaTestIo.readCommitted(topics.deferred(), DeferredSend.class))
                .hasSize(deferrals);

        // Every approved send is an ALLOW audit with the same decision id, and vice versa.
        Set<String> allowIds = new HashSet<>();
        for (Out<AuditEvent> o : audit) {
            if (o.value().getVerdict() == Verdict.ALLOW) {
                allowIds.add(o.value().getAuditId());
            }
        }
        List<String> approvedIds = new ArrayList<>();
        for (Out<ApprovedSend> o :
                KafkaTestIo.readCommitted(topics.approved(), ApprovedSend.class)) {
            approvedIds.add(o.value().getDecisionId());
        }
        assertThat(approvedIds).doesNotHaveDuplicates();
        assertThat(new HashSet<>(approvedIds)).isEqualTo(allowIds);
    }

    private static String prefix(int scenario) {
        return "p" + scenario + "-";
    }

    private static int scenarioIndex(String tenant) {
        return Integer.parseInt(tenant.substring(1, tenant.indexOf('-')));
    }

    private static ScenarioEvent prefixed(ScenarioEvent e, String prefix) {
        if (e instanceof ScenarioEvent.Consent c) {
            ConsentEvent ev = c.event();
            return ScenarioEvent.of(
                    ConsentEvent.newBuilder(ev).setTenantId(prefix + ev.getTenantId()).build());
        }
        SendRequest r = ((ScenarioEvent.Send) e).request();
        return ScenarioEvent.of(
                SendRequest.newBuilder(r).setTenantId(prefix + r.getTenantId()).build());
    }

    private static List<String> codes(List<Out<DeadLetter>> dlq) {
        List<String> out = new ArrayList<>();
        for (Out<DeadLetter> o : dlq) {
            out.add(
                    o.value().getErrorCode()
                            + " ("
                            + o.value().getSourceTopic()
                            + "@"
                            + o.value().getOffset()
                            + ": "
                            + o.value().getErrorMessage()
                            + ")");
        }
        return out;
    }

    /** The repository's scenarios folder, found upwards from the working directory. */
    static Path scenariosFolder() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path candidate = dir.resolve("scenarios");
            if (Files.isRegularFile(candidate.resolve("FORMAT.md"))) {
                return candidate;
            }
        }
        throw new IllegalStateException(
                "no scenarios/FORMAT.md above " + Path.of("").toAbsolutePath());
    }
}
