package io.consentgate.filter.registry;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.Objects;
import org.apache.avro.Schema;
import org.apache.flink.formats.avro.SchemaCoder;

/**
 * Reads and writes the Confluent wire-format header (magic byte 0, then the schema id as 4
 * big-endian bytes) in front of Avro binary, resolving ids through a {@link
 * ConfluentRegistryClient}.
 */
public final class ConfluentSchemaCoder implements SchemaCoder {

    public static final int MAGIC_BYTE = 0;
    public static final int HEADER_LENGTH = 5;

    private final ConfluentRegistryClient client;
    private final String subject;

    /**
     * @param subject the subject {@link #writeSchema} registers under; {@code null} for a coder
     *     that only reads
     */
    public ConfluentSchemaCoder(ConfluentRegistryClient client, String subject) {
        this.client = Objects.requireNonNull(client, "client");
        this.subject = subject;
    }

    /**
     * Consumes the 5-byte header and returns the writer schema it names.
     *
     * @throws TruncatedHeaderException fewer than 5 bytes
     * @throws BadMagicByteException the first byte is not 0
     * @throws UnknownSchemaIdException the registry does not know the id
     * @throws RegistryUnavailableException the registry could not be reached within the budget
     */
    @Override
    public Schema readSchema(InputStream in) throws IOException {
        return client.schemaById(readSchemaId(in));
    }

    /** Registers {@code schema} under the subject (once per client) and writes the header. */
    @Override
    public void writeSchema(Schema schema, OutputStream out) throws IOException {
        if (subject == null) {
            throw new IllegalStateException("this schema coder has no subject: it only reads");
        }
        writeHeader(client.register(subject, schema), out);
    }

    public String subject() {
        return subject;
    }

    /** Consumes the header and returns the schema id, without asking the registry. */
    public static int readSchemaId(InputStream in) throws IOException {
        int magic = in.read();
        if (magic < 0) {
            throw new TruncatedHeaderException(0);
        }
        if (magic != MAGIC_BYTE) {
            throw new BadMagicByteException(magic);
        }
        byte[] id = in.readNBytes(4);
        if (id.length < 4) {
            throw new TruncatedHeaderException(1 + id.length);
        }
        return ((id[0] & 0xff) << 24)
                | ((id[1] & 0xff) << 16)
                | ((id[2] & 0xff) << 8)
                | (id[3] & 0xff);
    }

    /** Writes the magic byte and the schema id. */
    public static void writeHeader(int schemaId, OutputStream out) throws IOException {
        out.write(
                new byte[] {
                    (byte) MAGIC_BYTE,
                    (byte) (schemaId >>> 24),
                    (byte) (schemaId >>> 16),
                    (byte) (schemaId >>> 8),
                    (byte) schemaId
                });
    }
}
