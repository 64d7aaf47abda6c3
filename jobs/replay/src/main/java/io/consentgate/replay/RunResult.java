package io.consentgate.replay;

import java.util.List;

/** The outcome of a run over many scenarios; counts are expectations, not scenarios. */
public record RunResult(List<ScenarioResult> scenarios) {

    public RunResult {
        scenarios = List.copyOf(scenarios);
    }

    public int passed() {
        return scenarios.stream().mapToInt(ScenarioResult::passed).sum();
    }

    public int failed() {
        return scenarios.stream().mapToInt(ScenarioResult::failed).sum();
    }

    public List<ExpectationFailure> failures() {
        return scenarios.stream().flatMap(s -> s.failures().stream()).toList();
    }

    public boolean ok() {
        return failed() == 0;
    }

    /** The summary line, {@code N passed, M failed}. */
    public String summary() {
        return passed() + " passed, " + failed() + " failed";
    }
}
