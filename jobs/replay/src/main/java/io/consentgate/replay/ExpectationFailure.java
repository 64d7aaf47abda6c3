package io.consentgate.replay;

/**
 * An expectation that the decisions did not meet.
 *
 * @param actual the decided send the expectation names, or null when there is none
 * @param problem what differs, e.g. {@code mismatch: verdict, reason}, or why it could not be
 *     checked
 */
public record ExpectationFailure(
        Scenario scenario, Expectation expected, DecidedSend actual, String problem) {

    /** A few indented lines naming file, scenario, send, expected and actual decision. */
    public String describe() {
        String actualText =
                actual == null
                        ? problem
                        : DecidedSend.describe(actual.decision()) + "  (" + problem + ")";
        return "FAIL "
                + scenario.file()
                + ": "
                + scenario.name()
                + "\n  send "
                + expected.id()
                + " (occurrence "
                + expected.occurrence()
                + ")"
                + "\n  expected: "
                + expected.describe()
                + "\n  actual:   "
                + actualText;
    }
}
