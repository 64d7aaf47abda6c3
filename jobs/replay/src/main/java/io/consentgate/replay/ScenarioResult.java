package io.consentgate.replay;

import java.util.List;

/**
 * The outcome of one scenario.
 *
 * @param decisions every send's decision in applied order (up to an engine error, if any)
 * @param passed expectations met
 * @param failures expectations not met, in the order the file lists them
 * @param error why the history could not be replayed (an engine failure), else null
 */
public record ScenarioResult(
        Scenario scenario,
        List<DecidedSend> decisions,
        int passed,
        List<ExpectationFailure> failures,
        String error) {

    public ScenarioResult {
        decisions = List.copyOf(decisions);
        failures = List.copyOf(failures);
    }

    public int failed() {
        return failures.size();
    }

    public boolean ok() {
        return failures.isEmpty();
    }
}
