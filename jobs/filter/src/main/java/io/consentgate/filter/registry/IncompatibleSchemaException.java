package io.consentgate.filter.registry;

/** The registry refused a schema under a subject because it breaks the compatibility rule (409). */
public class IncompatibleSchemaException extends SchemaRegistryException {
    private static final long serialVersionUID = 1L;

    private final String subject;

    public IncompatibleSchemaException(String subject, String registryMessage) {
        super("schema refused under subject " + subject + ": " + registryMessage);
        this.subject = subject;
    }

    public String subject() {
        return subject;
    }
}
