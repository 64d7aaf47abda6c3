package io.consentgate.replay;

import io.consentgate.engine.Decision;
import io.consentgate.engine.DecisionEngine;
import io.consentgate.engine.Policy;
import io.consentgate.engine.SubjectLedger;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.SendRequest;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Replays histories through the engine as the Flink job would, without Flink: one ledger per
 * tenant+subject, events in {@link AppliedOrder}, each send decided and then recorded in its ledger
 * whatever the verdict (so later sends with its id are duplicates). Deferred sends are not decided
 * again: scenarios check the first decision.
 */
public final class ScenarioRunner {

    /** One tenant+subject's state as the engine keeps it; a seam so tests can fake the engine. */
    interface SubjectHistory {
        void apply(ConsentEvent event);

        /** Decides the send and records it. */
        Decision decide(SendRequest send);
    }

    private record SubjectKey(String tenant, String subject) {}

    private final Supplier<SubjectHistory> newSubject;

    public ScenarioRunner(Policy policy) {
        Objects.requireNonNull(policy, "policy");
        this.newSubject = () -> engineSubject(policy);
    }

    ScenarioRunner(Supplier<SubjectHistory> newSubject) {
        this.newSubject = newSubject;
    }

    /** Runs every scenario, each from empty state. */
    public RunResult run(List<Scenario> scenarios) {
        List<ScenarioResult> results = new ArrayList<>(scenarios.size());
        for (Scenario scenario : scenarios) {
            results.add(run(scenario));
        }
        return new RunResult(results);
    }

    /** Replays one scenario from empty state and checks its expectations. */
    public ScenarioResult run(Scenario scenario) {
        List<DecidedSend> decided = new ArrayList<>();
        try {
            replay(scenario.events(), decided::add);
        } catch (ReplayException e) {
            String error = e.getMessage();
            List<ExpectationFailure> failures = new ArrayList<>();
            for (Expectation x : scenario.expect()) {
                failures.add(new ExpectationFailure(scenario, x, null, error));
            }
            return new ScenarioResult(scenario, decided, 0, failures, error);
        }
        return check(scenario, decided);
    }

    /** Decides every send of {@code events} from empty state; the result is in applied order. */
    public List<DecidedSend> replay(Collection<? extends ScenarioEvent> events) {
        List<DecidedSend> decided = new ArrayList<>();
        replay(events, decided::add);
        return decided;
    }

    /**
     * Decides every send of {@code events} from empty state, handing each decision to {@code out}
     * in applied order as soon as it is made.
     *
     * @throws ReplayException when the engine fails; decisions before it were handed out
     */
    public void replay(Collection<? extends ScenarioEvent> events, Consumer<DecidedSend> out) {
        Map<SubjectKey, SubjectHistory> subjects = new HashMap<>();
        Map<String, Integer> occurrences = new HashMap<>();
        for (ScenarioEvent event : AppliedOrder.sort(events)) {
            SubjectHistory subject =
                    subjects.computeIfAbsent(
                            new SubjectKey(event.tenantId(), event.subjectId()),
                            k -> newSubject.get());
            if (event instanceof ScenarioEvent.Consent c) {
                try {
                    subject.apply(c.event());
                } catch (RuntimeException e) {
                    throw failure("consent event " + c.event().getEventId(), event, e);
                }
            } else if (event instanceof ScenarioEvent.Send s) {
                Decision decision;
                try {
                    decision = subject.decide(s.request());
                } catch (RuntimeException e) {
                    throw failure("send " + s.messageId(), event, e);
                }
                int occurrence = occurrences.merge(s.messageId(), 1, Integer::sum);
                out.accept(new DecidedSend(s.request(), occurrence, decision));
            }
        }
    }

    /**
     * Checks a scenario's expectations against decisions made by any means (this runner, or the
     * Flink job's audit output turned into {@link Decision}s). {@code decided} must carry the
     * occurrence numbers of applied order.
     */
    public static ScenarioResult check(Scenario scenario, List<DecidedSend> decided) {
        Map<String, List<DecidedSend>> byId = new HashMap<>();
        for (DecidedSend d : decided) {
            byId.computeIfAbsent(d.messageId(), k -> new ArrayList<>()).add(d);
        }
        int passed = 0;
        List<ExpectationFailure> failures = new ArrayList<>();
        for (Expectation x : scenario.expect()) {
            DecidedSend actual = find(byId.getOrDefault(x.id(), List.of()), x.occurrence());
            if (actual == null) {
                int count = byId.getOrDefault(x.id(), List.of()).size();
                String problem =
                        count == 0
                                ? "no send with id " + x.id()
                                : "only " + count + " send(s) with id " + x.id();
                failures.add(new ExpectationFailure(scenario, x, null, problem));
                continue;
            }
            String problem = mismatch(x, actual.decision());
            if (problem == null) {
                passed++;
            } else {
                failures.add(new ExpectationFailure(scenario, x, actual, problem));
            }
        }
        return new ScenarioResult(scenario, decided, passed, failures, null);
    }

    private static DecidedSend find(List<DecidedSend> sameId, int occurrence) {
        for (DecidedSend d : sameId) {
            if (d.occurrence() == occurrence) {
                return d;
            }
        }
        return null;
    }

    /** The fields that differ, e.g. {@code mismatch: verdict, reason}, or null when all match. */
    private static String mismatch(Expectation x, Decision d) {
        List<String> differ = new ArrayList<>();
        if (x.verdict() != null && x.verdict() != d.verdict()) {
            differ.add("verdict");
        }
        if (x.basis() != null && x.basis() != d.basis()) {
            differ.add("basis");
        }
        if (x.reason() != null && x.reason() != d.primaryReason()) {
            differ.add("reason");
        }
        if (x.notBefore() != null && x.notBefore().toEpochMilli() != d.notBefore()) {
            differ.add("notBefore");
        }
        return differ.isEmpty() ? null : "mismatch: " + String.join(", ", differ);
    }

    private static ReplayException failure(String what, ScenarioEvent event, RuntimeException e) {
        return new ReplayException(
                "engine failed on "
                        + what
                        + " ("
                        + event.tenantId()
                        + "/"
                        + event.subjectId()
                        + " at "
                        + event.at()
                        + "): "
                        + e,
                e);
    }

    private static SubjectHistory engineSubject(Policy policy) {
        SubjectLedger ledger = SubjectLedger.empty();
        return new SubjectHistory() {
            @Override
            public void apply(ConsentEvent event) {
                ledger.apply(event);
            }

            @Override
            public Decision decide(SendRequest send) {
                Decision decision = DecisionEngine.decide(send, ledger, policy);
                ledger.recordSend(send, decision);
                return decision;
            }
        };
    }
}
