package io.consentgate.filter.io;

/**
 * An input record that cannot be decoded or validated: it goes to the dead-letter topic with {@link
 * #code()}. The message never contains record contents. No stack trace is captured: these are
 * expected, and can be frequent.
 */
public final class InvalidRecordException extends Exception {
    private final String code;

    public InvalidRecordException(String code, String message) {
        super(message, null, false, false);
        this.code = code;
    }

    /** One of {@link DeadLetterCodes}. */
    public String code() {
        return code;
    }
}
