package io.consentgate.engine;

/** A policy document that cannot be used; the message names the offending field. */
public final class PolicyException extends Exception {
    public PolicyException(String message) {
        super(message);
    }
}
