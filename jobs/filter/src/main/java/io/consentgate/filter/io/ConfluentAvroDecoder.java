package io.consentgate.filter.io;

import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.CharacterCodingException;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.AvroTypeException;
import org.apache.avro.Schema;
import org.apache.avro.SchemaCompatibility;
import org.apache.avro.specific.SpecificData;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificRecord;

/**
 * Decodes one Confluent wire-format value (magic byte 0, 4-byte big-endian schema id, Avro binary)
 * into a generated record class, resolving the writer schema from the registry, and turns every way
 * the bytes can be wrong into an {@link InvalidRecordException} with a stable code.
 *
 * <p>Only {@link IOException} from the schema lookup escapes (registry unavailable): those records
 * are not bad, so they must not be dead-lettered. Not thread-safe; one per source reader.
 */
public final class ConfluentAvroDecoder<T extends SpecificRecord> {
    static final byte MAGIC_BYTE = 0;
    static final int HEADER_BYTES = 5;

    private final Schema readerSchema;
    private final SpecificData data;
    private final WriterSchemas schemas;
    private final Map<Integer, SpecificDatumReader<T>> readers = new HashMap<>();

    /** Writer schemas that can never be read (wrong type, incompatible): decided once per id. */
    private final Map<Integer, InvalidRecordException> rejected = new HashMap<>();

    public ConfluentAvroDecoder(Class<T> type, WriterSchemas schemas) {
        this.data = SpecificData.getForClass(type);
        this.readerSchema = data.getSchema(type);
        this.schemas = schemas;
    }

    /**
     * @throws InvalidRecordException the value is not a readable record of this type
     * @throws IOException the registry is unavailable (not the record's fault)
     */
    public T decode(byte[] value) throws InvalidRecordException, IOException {
        if (value.length > 0 && value[0] != MAGIC_BYTE) {
            throw new InvalidRecordException(
                    DeadLetterCodes.BAD_MAGIC_BYTE,
                    "first byte is " + (value[0] & 0xff) + ", the Confluent magic byte is 0");
        }
        if (value.length < HEADER_BYTES) {
            throw new InvalidRecordException(
                    DeadLetterCodes.TRUNCATED_HEADER,
                    "value has "
                            + value.length
                            + " bytes, the Confluent header needs "
                            + HEADER_BYTES);
        }
        int id =
                ((value[1] & 0xff) << 24)
                        | ((value[2] & 0xff) << 16)
                        | ((value[3] & 0xff) << 8)
                        | (value[4] & 0xff);
        SpecificDatumReader<T> reader = readerFor(id);
        BoundedDecoder in = new BoundedDecoder(value, HEADER_BYTES, value.length - HEADER_BYTES);
        T record;
        try {
            record = reader.read(null, in);
        } catch (EOFException e) {
            throw new InvalidRecordException(
                    DeadLetterCodes.TRUNCATED_AVRO, "Avro data of schema id " + id + " ends early");
        } catch (CharacterCodingException e) {
            throw new InvalidRecordException(
                    DeadLetterCodes.INVALID_UTF8, "a string is not valid UTF-8");
        } catch (AvroTypeException e) {
            // Raised by schema resolution on the data itself: a symbol or union branch the job's
            // schema does not have. The exception text may contain data, so it is not copied.
            String msg = String.valueOf(e.getMessage());
            if (msg.startsWith("No match for")) {
                throw new InvalidRecordException(
                        DeadLetterCodes.UNKNOWN_ENUM_SYMBOL,
                        "an enum symbol of schema id " + id + " is unknown to the job's schema");
            }
            throw new InvalidRecordException(
                    DeadLetterCodes.INCOMPATIBLE_SCHEMA,
                    "data of schema id " + id + " cannot be read with the job's schema");
        } catch (IOException | RuntimeException e) {
            throw new InvalidRecordException(
                    DeadLetterCodes.CORRUPT_AVRO,
                    "Avro data of schema id "
                            + id
                            + " is malformed ("
                            + e.getClass().getSimpleName()
                            + ")");
        }
        if (in.remaining() != 0) {
            throw new InvalidRecordException(
                    DeadLetterCodes.CORRUPT_AVRO,
                    in.remaining() + " bytes left after the record of schema id " + id);
        }
        return record;
    }

    private SpecificDatumReader<T> readerFor(int id) throws InvalidRecordException, IOException {
        SpecificDatumReader<T> reader = readers.get(id);
        if (reader != null) {
            return reader;
        }
        InvalidRecordException known = rejected.get(id);
        if (known != null) {
            throw known;
        }
        Schema writer;
        try {
            writer = schemas.byId(id); // IOException (registry unavailable) propagates
        } catch (InvalidRecordException e) {
            if (!DeadLetterCodes.UNKNOWN_SCHEMA_ID.equals(e.code())) {
                rejected.put(id, e); // an unknown id may be registered later; the rest is final
            }
            throw e;
        }
        InvalidRecordException problem = check(id, writer);
        if (problem != null) {
            rejected.put(id, problem);
            throw problem;
        }
        @SuppressWarnings("unchecked")
        SpecificDatumReader<T> created =
                (SpecificDatumReader<T>) data.createDatumReader(writer, readerSchema);
        readers.put(id, created);
        return created;
    }

    private InvalidRecordException check(int id, Schema writer) {
        if (writer.getType() != Schema.Type.RECORD
                || !writer.getFullName().equals(readerSchema.getFullName())) {
            return new InvalidRecordException(
                    DeadLetterCodes.WRONG_RECORD_TYPE,
                    "schema id "
                            + id
                            + " is "
                            + (writer.getType() == Schema.Type.RECORD
                                    ? writer.getFullName()
                                    : writer.getType().getName())
                            + ", expected "
                            + readerSchema.getFullName());
        }
        SchemaCompatibility.SchemaPairCompatibility compatibility =
                SchemaCompatibility.checkReaderWriterCompatibility(readerSchema, writer);
        for (SchemaCompatibility.Incompatibility i :
                compatibility.getResult().getIncompatibilities()) {
            // New enum symbols and union branches only fail the records that use them.
            if (i.getType() != SchemaCompatibility.SchemaIncompatibilityType.MISSING_ENUM_SYMBOLS
                    && i.getType()
                            != SchemaCompatibility.SchemaIncompatibilityType.MISSING_UNION_BRANCH) {
                return new InvalidRecordException(
                        DeadLetterCodes.INCOMPATIBLE_SCHEMA,
                        "schema id "
                                + id
                                + " cannot be read with the job's schema ("
                                + i.getType()
                                + " at "
                                + i.getLocation()
                                + ")");
            }
        }
        return null;
    }
}
