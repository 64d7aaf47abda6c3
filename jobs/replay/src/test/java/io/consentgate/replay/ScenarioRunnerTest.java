package io.consentgate.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgate.engine.Decision;
import io.consentgate.schema.Basis;
import io.consentgate.schema.Channel;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.ConsentEventType;
import io.consentgate.schema.Reason;
import io.consentgate.schema.SendRequest;
import io.consentgate.schema.Verdict;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The runner's bookkeeping, over a fake engine so it does not depend on the law. */
class ScenarioRunnerTest {

    /**
     * A stand-in engine: a repeated id is DUPLICATE_SEND, an OPT_OUT blocks, SMS is deferred one
     * hour, anything else is allowed on CONSENT. Logs every event it sees, in order.
     */
    static final class FakeSubject implements ScenarioRunner.SubjectHistory {
        private final List<String> log;
        private final Set<String> seen = new HashSet<>();
        private boolean optedOut;

        FakeSubject(List<String> log) {
            this.log = log;
        }

        @Override
        public void apply(ConsentEvent event) {
            if (event.getType() == ConsentEventType.ERASURE) {
                throw new IllegalStateException("boom");
            }
            log.add(event.getEventId());
            optedOut |= event.getType() == ConsentEventType.OPT_OUT;
        }

        @Override
        public Decision decide(SendRequest send) {
            log.add(send.getMessageId());
            if (!seen.add(send.getMessageId())) {
                return block(Reason.DUPLICATE_SEND);
            }
            if (optedOut) {
                return block(Reason.OPTED_OUT, Reason.NO_LAWFUL_BASIS);
            }
            if (send.getChannel() == Channel.SMS) {
                long notBefore = send.getRequestedAt().toEpochMilli() + 3_600_000;
                return new Decision(
                        Verdict.DEFER,
                        List.of(Reason.QUIET_HOURS),
                        Basis.NONE,
                        List.of(),
                        "fake",
                        1,
                        notBefore);
            }
            return new Decision(
                    Verdict.ALLOW, List.of(), Basis.CONSENT, List.of("ce-1"), "fake", 1, -1);
        }

        private static Decision block(Reason... reasons) {
            return new Decision(
                    Verdict.BLOCK, List.of(reasons), Basis.NONE, List.of(), "fake", 1, -1);
        }
    }

    private final List<String> log = new ArrayList<>();
    private final ScenarioRunner runner = new ScenarioRunner(() -> new FakeSubject(log));

    private static String consent(String id, String at, String subject, String type) {
        return String.format(
                "{\"kind\": \"consent\", \"id\": \"%s\", \"at\": \"%s\", \"tenant\": \"t\","
                        + " \"subject\": \"%s\", \"type\": \"%s\"}",
                id, at, subject, type);
    }

    private static String send(String id, String at, String subject, String channel) {
        return String.format(
                "{\"kind\": \"send\", \"id\": \"%s\", \"at\": \"%s\", \"tenant\": \"t\","
                        + " \"subject\": \"%s\", \"channel\": \"%s\", \"jurisdiction\": \"GB\"}",
                id, at, subject, channel);
    }

    private static Scenario scenario(List<String> events, String... expect) throws Exception {
        return ScenarioReader.read(
                        "test.json",
                        "[{\"name\": \"n\", \"events\": ["
                                + String.join(",", events)
                                + "], \"expect\": ["
                                + String.join(",", expect)
                                + "]}]")
                .get(0);
    }

    @Test
    void decidesInAppliedOrderAndNumbersOccurrencesPerId() throws Exception {
        Scenario s =
                scenario(
                        List.of(
                                send("m1", "2026-01-01T10:00:02Z", "s1", "EMAIL"),
                                send("m1", "2026-01-01T10:00:01Z", "s1", "EMAIL"),
                                consent("c1", "2026-01-01T10:00:01Z", "s1", "PURCHASE")));

        List<DecidedSend> decided = runner.replay(s.events());

        assertThat(log).containsExactly("c1", "m1", "m1");
        assertThat(decided).extracting(DecidedSend::occurrence).containsExactly(1, 2);
        assertThat(decided.get(0).send().getRequestedAt()).hasToString("2026-01-01T10:00:01Z");
        assertThat(decided.get(1).decision().primaryReason()).isEqualTo(Reason.DUPLICATE_SEND);
    }

    @Test
    void keepsOneLedgerPerTenantAndSubject() throws Exception {
        Scenario s =
                scenario(
                        List.of(
                                consent("c1", "2026-01-01T09:00:00Z", "s1", "OPT_OUT"),
                                send("m1", "2026-01-01T10:00:00Z", "s1", "EMAIL"),
                                send("m1", "2026-01-01T10:00:00Z", "s2", "EMAIL")));

        List<DecidedSend> decided = runner.replay(s.events());

        assertThat(decided)
                .extracting(d -> d.decision().verdict())
                .containsExactly(Verdict.BLOCK, Verdict.ALLOW);
        assertThat(decided.get(1).occurrence()).isEqualTo(2);
    }

    @Test
    void passesWhenEveryGivenFieldMatchesAndSkipsAbsentOnes() throws Exception {
        Scenario s =
                scenario(
                        List.of(
                                send("m1", "2026-01-01T10:00:00Z", "s1", "EMAIL"),
                                send("m2", "2026-01-01T22:00:00Z", "s1", "SMS"),
                                send("m1", "2026-01-02T10:00:00Z", "s1", "EMAIL")),
                        "{\"id\": \"m1\", \"verdict\": \"ALLOW\", \"basis\": \"CONSENT\"}",
                        "{\"id\": \"m2\", \"verdict\": \"DEFER\", \"reason\": \"QUIET_HOURS\","
                                + " \"notBefore\": \"2026-01-01T23:00:00Z\"}",
                        "{\"id\": \"m2\"}",
                        "{\"id\": \"m1\", \"occurrence\": 2, \"verdict\": \"BLOCK\","
                                + " \"reason\": \"DUPLICATE_SEND\"}");

        ScenarioResult result = runner.run(s);

        assertThat(result.failures()).isEmpty();
        assertThat(result.passed()).isEqualTo(4);
    }

    @Test
    void namesEveryDifferingField() throws Exception {
        Scenario s =
                scenario(
                        List.of(
                                consent("c1", "2026-01-01T09:00:00Z", "s1", "OPT_OUT"),
                                send("m1", "2026-01-01T10:00:00Z", "s1", "EMAIL"),
                                send("m2", "2026-01-01T10:00:00Z", "s2", "SMS")),
                        "{\"id\": \"m1\", \"verdict\": \"BLOCK\", \"reason\": \"DM_OBJECTION\"}",
                        "{\"id\": \"m2\", \"verdict\": \"DEFER\", \"reason\": \"QUIET_HOURS\","
                                + " \"notBefore\": \"2026-01-02T08:00:00Z\"}",
                        "{\"id\": \"m1\", \"verdict\": \"ALLOW\", \"basis\": \"CONSENT\"}");

        ScenarioResult result = runner.run(s);

        assertThat(result.passed()).isZero();
        assertThat(result.failures())
                .extracting(ExpectationFailure::problem)
                .containsExactly(
                        "mismatch: reason", "mismatch: notBefore", "mismatch: verdict, basis");
        assertThat(result.failures().get(0).describe())
                .isEqualTo(
                        "FAIL test.json: n\n"
                                + "  send m1 (occurrence 1)\n"
                                + "  expected: BLOCK reason=DM_OBJECTION\n"
                                + "  actual:   BLOCK basis=NONE reasons=[OPTED_OUT, NO_LAWFUL_BASIS]"
                                + " decidingEvents=[]  (mismatch: reason)");
    }

    @Test
    void failsAnExpectationNamingNoSend() throws Exception {
        Scenario s =
                scenario(
                        List.of(send("m1", "2026-01-01T10:00:00Z", "s1", "EMAIL")),
                        "{\"id\": \"m9\", \"verdict\": \"ALLOW\"}",
                        "{\"id\": \"m1\", \"occurrence\": 2, \"verdict\": \"BLOCK\"}");

        ScenarioResult result = runner.run(s);

        assertThat(result.failures())
                .extracting(ExpectationFailure::problem)
                .containsExactly("no send with id m9", "only 1 send(s) with id m1");
        assertThat(result.failures().get(0).actual()).isNull();
    }

    @Test
    void startsEveryScenarioFromEmptyState() throws Exception {
        Scenario optedOut =
                scenario(
                        List.of(
                                consent("c1", "2026-01-01T09:00:00Z", "s1", "OPT_OUT"),
                                send("m1", "2026-01-01T10:00:00Z", "s1", "EMAIL")),
                        "{\"id\": \"m1\", \"verdict\": \"BLOCK\"}");
        Scenario fresh =
                scenario(
                        List.of(send("m1", "2026-01-01T10:00:00Z", "s1", "EMAIL")),
                        "{\"id\": \"m1\", \"verdict\": \"ALLOW\"}");

        RunResult result = runner.run(List.of(optedOut, fresh));

        assertThat(result.summary()).isEqualTo("2 passed, 0 failed");
    }

    @Test
    void anEngineFailureFailsEveryExpectationOfThatScenarioOnly() throws Exception {
        Scenario broken =
                scenario(
                        List.of(
                                send("m0", "2026-01-01T08:00:00Z", "s1", "EMAIL"),
                                consent("c1", "2026-01-01T09:00:00Z", "s1", "ERASURE"),
                                send("m1", "2026-01-01T10:00:00Z", "s1", "EMAIL")),
                        "{\"id\": \"m0\", \"verdict\": \"ALLOW\"}",
                        "{\"id\": \"m1\", \"verdict\": \"BLOCK\"}");
        Scenario fine =
                scenario(
                        List.of(send("m1", "2026-01-01T10:00:00Z", "s1", "EMAIL")),
                        "{\"id\": \"m1\", \"verdict\": \"ALLOW\"}");

        RunResult result = runner.run(List.of(broken, fine));

        assertThat(result.summary()).isEqualTo("1 passed, 2 failed");
        ScenarioResult first = result.scenarios().get(0);
        assertThat(first.error())
                .startsWith("engine failed on consent event c1 (t/s1 at 2026-01-01T09:00:00Z)")
                .contains("boom");
        assertThat(first.decisions()).hasSize(1);
    }
}
