package io.consentgate.filter.registry;

import java.io.IOException;

/** A record does not start with the Confluent wire format's magic byte 0. */
public class BadMagicByteException extends IOException {
    private static final long serialVersionUID = 1L;

    private final int magicByte;

    public BadMagicByteException(int magicByte) {
        super("not in the Confluent wire format: magic byte is " + magicByte + ", expected 0");
        this.magicByte = magicByte;
    }

    /** The byte found, 0-255. */
    public int magicByte() {
        return magicByte;
    }
}
