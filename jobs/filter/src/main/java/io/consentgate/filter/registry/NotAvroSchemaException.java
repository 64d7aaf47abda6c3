package io.consentgate.filter.registry;

/** The registry holds the id, but its schema is not Avro or does not parse as Avro. */
public class NotAvroSchemaException extends SchemaRegistryException {
    private static final long serialVersionUID = 1L;

    private final int schemaId;

    public NotAvroSchemaException(int schemaId, String message, Throwable cause) {
        super(message, cause);
        this.schemaId = schemaId;
    }

    public int schemaId() {
        return schemaId;
    }
}
