package io.consentgate.engine;

import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.SendRequest;

/**
 * Everything known about one tenant+subject: built by applying consent events in applied order
 * (event time, consent before send on ties), plus the message ids of recent sends for dedupe.
 * Serializes to a compact byte array for keyed state.
 */
public final class SubjectLedger {
    public static SubjectLedger empty() {
        return new SubjectLedger();
    }

    /** Applies one consent event; events must arrive in applied order. */
    public void apply(ConsentEvent event) {
        throw new UnsupportedOperationException("not yet");
    }

    /** Remembers a decided send for duplicate detection. */
    public void recordSend(SendRequest send, Decision decision) {
        throw new UnsupportedOperationException("not yet");
    }

    /** Drops what can no longer change a decision at or after {@code nowMillis}. */
    public void prune(long nowMillis, Policy policy) {}

    public boolean isEmpty() {
        return true;
    }

    public byte[] toBytes() {
        return new byte[0];
    }

    public static SubjectLedger fromBytes(byte[] bytes) {
        return new SubjectLedger();
    }
}
