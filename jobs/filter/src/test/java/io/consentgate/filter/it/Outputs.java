package io.consentgate.filter.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgate.engine.Policy;
import io.consentgate.filter.SubjectKey;
import io.consentgate.filter.it.KafkaTestIo.Out;
import io.consentgate.filter.registry.RegistryAccess;
import io.consentgate.replay.DecidedSend;
import io.consentgate.replay.ScenarioEvent;
import io.consentgate.replay.ScenarioRunner;
import io.consentgate.schema.ApprovedSend;
import io.consentgate.schema.AuditEvent;
import io.consentgate.schema.DeferredSend;
import io.consentgate.schema.Verdict;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/** The job's three decision outputs, read_committed, with the checks both volume tests use. */
record Outputs(
        List<Out<AuditEvent>> audit,
        List<Out<ApprovedSend>> approved,
        List<Out<DeferredSend>> deferred) {

    static Outputs read(Topics topics) {
        return read(topics, KafkaTestIo.localRegistry());
    }

    static Outputs read(Topics topics, RegistryAccess registry) {
        return new Outputs(
                KafkaTestIo.readCommitted(topics.audit(), AuditEvent.class, registry),
                KafkaTestIo.readCommitted(topics.approved(), ApprovedSend.class, registry),
                KafkaTestIo.readCommitted(topics.deferred(), DeferredSend.class, registry));
    }

    long countFirst(Verdict verdict) {
        return audit.stream()
                .map(Out::value)
                .filter(a -> Decisions.isFirstDecision(a) && a.getVerdict() == verdict)
                .count();
    }

    /**
     * One first decision per send, one re-decision per DEFER and none for anything else, no
     * duplicate approval or deferral, and approvals equal to the ALLOW audits.
     */
    void assertExactlyOnce(List<String> sentIds) {
        Map<String, List<AuditEvent>> first = new HashMap<>();
        Map<String, List<AuditEvent>> redecided = new HashMap<>();
        Map<String, AuditEvent> byAuditId = new HashMap<>();
        for (Out<AuditEvent> o : audit) {
            AuditEvent a = o.value();
            assertThat(byAuditId.put(a.getAuditId(), a))
                    .as("audit id %s written twice", a.getAuditId())
                    .isNull();
            if (Decisions.isFirstDecision(a)) {
                first.computeIfAbsent(a.getMessageId(), k -> new ArrayList<>()).add(a);
            } else if (Decisions.isRedecision(a)) {
                redecided.computeIfAbsent(a.getMessageId(), k -> new ArrayList<>()).add(a);
            }
        }
        assertThat(first.keySet())
                .as("message ids with a decision")
                .containsExactlyInAnyOrderElementsOf(sentIds);
        List<String> notOnce =
                first.entrySet().stream()
                        .filter(e -> e.getValue().size() != 1)
                        .map(e -> e.getKey() + " x" + e.getValue().size())
                        .collect(Collectors.toList());
        assertThat(notOnce).as("sends decided more than once").isEmpty();

        List<String> deferredIds =
                first.values().stream()
                        .map(l -> l.get(0))
                        .filter(a -> a.getVerdict() == Verdict.DEFER)
                        .map(AuditEvent::getMessageId)
                        .collect(Collectors.toList());
        assertThat(redecided.keySet())
                .as("re-decided sends are exactly the deferred ones")
                .containsExactlyInAnyOrderElementsOf(deferredIds);
        assertThat(redecided.values()).allSatisfy(l -> assertThat(l).hasSize(1));

        // Approved: no duplicate, each one an ALLOW audit with its decision id and evidence.
        List<String> approvedIds = new ArrayList<>();
        for (Out<ApprovedSend> o : approved) {
            ApprovedSend s = o.value();
            String messageId = s.getRequest().getMessageId();
            approvedIds.add(messageId);
            AuditEvent a = byAuditId.get(s.getDecisionId());
            assertThat(a)
                    .as("approved %s: decision id %s is an audit id", messageId, s.getDecisionId())
                    .isNotNull();
            assertThat(a.getVerdict())
                    .as("approved %s: audit verdict", messageId)
                    .isEqualTo(Verdict.ALLOW);
            assertThat(a.getMessageId()).isEqualTo(messageId);
            assertThat(s.getBasis()).as("approved %s: basis", messageId).isEqualTo(a.getBasis());
            assertThat(s.getPolicyId()).isNotBlank().isEqualTo(a.getPolicyId());
            assertThat(s.getPolicyVersion()).isEqualTo(a.getPolicyVersion());
            assertThat(s.getDecidingEventIds()).isEqualTo(a.getDecidingEventIds());
            assertThat(o.key())
                    .as("approved %s: keyed by subject", messageId)
                    .isEqualTo(
                            SubjectKey.bytes(
                                    s.getRequest().getTenantId(), s.getRequest().getSubjectId()));
        }
        assertThat(approvedIds).as("approved message ids").doesNotHaveDuplicates();
        long allows =
                audit.stream()
                        .filter(
                                o ->
                                        o.value().getKind()
                                                        == io.consentgate.schema.AuditKind.DECISION
                                                && o.value().getVerdict() == Verdict.ALLOW)
                        .count();
        assertThat((long) approvedIds.size()).as("approved = ALLOW audits").isEqualTo(allows);

        List<String> deferredOut = new ArrayList<>();
        for (Out<DeferredSend> o : deferred) {
            deferredOut.add(o.value().getRequest().getMessageId());
            AuditEvent a = byAuditId.get(o.value().getDecisionId());
            assertThat(a).isNotNull();
            assertThat(a.getVerdict()).isEqualTo(Verdict.DEFER);
        }
        assertThat(deferredOut).containsExactlyInAnyOrderElementsOf(deferredIds);
    }

    /** The job's first decisions equal what ScenarioRunner decides for the same history. */
    void assertSameDecisionsAs(List<ScenarioEvent> events) {
        List<DecidedSend> decided = new ScenarioRunner(Policy.defaultPolicy()).replay(events);
        List<String> mismatches =
                Decisions.compare(
                        "workload",
                        Decisions.expected(decided),
                        Decisions.firstDecisions(audit, a -> "all").getOrDefault("all", Map.of()));
        assertThat(mismatches)
                .as(
                        "%d decisions differ from ScenarioRunner:%n%s",
                        mismatches.size(), String.join(System.lineSeparator(), mismatches))
                .isEmpty();
    }
}
