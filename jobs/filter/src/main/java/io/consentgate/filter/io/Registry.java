package io.consentgate.filter.io;

import io.consentgate.filter.registry.ConfluentRegistryClient;
import io.consentgate.filter.registry.ConfluentSchemaCoderProvider;
import io.consentgate.filter.registry.RegistryAccess;
import io.consentgate.filter.registry.RegistryUnavailableException;
import io.consentgate.filter.registry.SchemaRegistryException;
import io.consentgate.filter.registry.UnknownSchemaIdException;
import java.time.Duration;
import org.apache.avro.SchemaParseException;
import org.apache.flink.formats.avro.SchemaCoder;

/**
 * The only bridge between the job's Kafka I/O and the schema registry client: maps the client's
 * outcomes onto dead-letter codes (the record's fault) or exceptions that fail the job (the
 * registry's fault).
 */
public final class Registry {
    private Registry() {}

    /** Writer-schema lookups by id, for the input deserializers. */
    public static WriterSchemas.Factory writerSchemas(String baseUrl, Duration retryBudget) {
        return writerSchemas(RegistryAccess.of(baseUrl, retryBudget));
    }

    /** Writer-schema lookups by id through a registry with credentials or TLS stores. */
    public static WriterSchemas.Factory writerSchemas(RegistryAccess access) {
        return () -> {
            ConfluentRegistryClient client = new ConfluentRegistryClient(access);
            return id -> {
                try {
                    return client.schemaById(id);
                } catch (UnknownSchemaIdException e) {
                    throw new InvalidRecordException(
                            DeadLetterCodes.UNKNOWN_SCHEMA_ID,
                            "schema id " + id + " is not registered");
                } catch (RegistryUnavailableException e) {
                    throw e;
                } catch (SchemaRegistryException e) {
                    if (isNotAvro(e)) {
                        throw new InvalidRecordException(
                                DeadLetterCodes.WRONG_RECORD_TYPE,
                                "schema id " + id + " is not an Avro schema");
                    }
                    throw e;
                }
            };
        };
    }

    private static boolean isNotAvro(SchemaRegistryException e) {
        // The client reports non-Avro schema types and unparsable Avro this way; any other
        // refusal (authorization, bad URL) is a configuration problem and must fail the job.
        return e.getCause() instanceof SchemaParseException
                || String.valueOf(e.getMessage()).endsWith(", not AVRO");
    }

    /** Registers output schemas under {@code subject} and writes the Confluent header. */
    public static SchemaCoder.SchemaCoderProvider coderProvider(
            RegistryAccess access, String subject) {
        return new ConfluentSchemaCoderProvider(access, subject);
    }
}
