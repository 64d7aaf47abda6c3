package io.consentgate.filter.registry;

/**
 * The registry could not be reached, or answered 5xx, until the retry budget was spent. Transient:
 * the record is not at fault.
 */
public class RegistryUnavailableException extends SchemaRegistryException {
    private static final long serialVersionUID = 1L;

    public RegistryUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
