package io.consentgate.filter.registry;

import java.io.IOException;

/** A record is shorter than the 5-byte Confluent header (magic byte and schema id). */
public class TruncatedHeaderException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int length;

    public TruncatedHeaderException(int length) {
        super("record too short for the Confluent header: " + length + " of 5 bytes");
        this.length = length;
    }

    /** How many header bytes were present. */
    public int length() {
        return length;
    }
}
