package io.consentgate.replay;

/** The engine failed on one event of a history; the message names the event. */
public final class ReplayException extends RuntimeException {
    public ReplayException(String message, Throwable cause) {
        super(message, cause);
    }
}
