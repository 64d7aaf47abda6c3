package io.consentgate.filter.registry;

import java.io.IOException;

/** A schema registry call failed; subclasses say why. */
public class SchemaRegistryException extends IOException {
    private static final long serialVersionUID = 1L;

    public SchemaRegistryException(String message) {
        super(message);
    }

    public SchemaRegistryException(String message, Throwable cause) {
        super(message, cause);
    }
}
