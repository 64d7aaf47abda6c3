package io.consentgate.demo;

/** The two input topics the generator writes to. */
public enum TopicKind {
    /** {@code sends.requested}: SendRequest values. */
    SENDS,
    /** {@code consent.events}: ConsentEvent values. */
    CONSENT
}
