package io.consentgate.filter.registry;

/** The registry has no schema with the id a record names (HTTP 404, error code 40403). */
public class UnknownSchemaIdException extends SchemaRegistryException {
    private static final long serialVersionUID = 1L;

    private final int schemaId;

    public UnknownSchemaIdException(int schemaId, String registryUrl) {
        super("schema id " + schemaId + " is unknown to the registry at " + registryUrl);
        this.schemaId = schemaId;
    }

    public int schemaId() {
        return schemaId;
    }
}
