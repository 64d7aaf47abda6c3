package io.consentgate.replay;

/**
 * A scenario or JSON-lines file that cannot be read; the message names the file, the scenario (or
 * line) and the field path, so a policy author can fix it without a stack trace.
 */
public final class ScenarioFormatException extends Exception {
    public ScenarioFormatException(String message) {
        super(message);
    }

    public ScenarioFormatException(String message, Throwable cause) {
        super(message, cause);
    }
}
