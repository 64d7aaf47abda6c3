package io.consentgate.demo;

import io.consentgate.filter.registry.ConfluentRegistryClient;
import io.consentgate.filter.registry.ConfluentSchemaCoder;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumReader;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * Writes and reads one record type in the Confluent wire format (magic byte 0, 4-byte big-endian
 * schema id, Avro binary), resolving writer schemas through the registry. Not thread-safe.
 */
final class ConfluentAvro<T extends SpecificRecord> {
    private final Class<T> type;
    private final Schema readerSchema;
    private final ConfluentRegistryClient registry;
    private final SpecificDatumWriter<T> writer;
    private final Map<Integer, SpecificDatumReader<T>> readers = new HashMap<>();
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
    private BinaryEncoder encoder;
    private BinaryDecoder decoder;

    ConfluentAvro(Class<T> type, Schema schema, ConfluentRegistryClient registry) {
        this.type = type;
        this.readerSchema = schema;
        this.registry = registry;
        this.writer = new SpecificDatumWriter<>(type);
    }

    byte[] encode(int schemaId, T record) throws IOException {
        out.reset();
        ConfluentSchemaCoder.writeHeader(schemaId, out);
        encoder = EncoderFactory.get().directBinaryEncoder(out, encoder);
        writer.write(record, encoder);
        encoder.flush();
        return out.toByteArray();
    }

    /**
     * @throws IOException not Confluent Avro of a known schema, or the registry is unreachable
     */
    T decode(byte[] value) throws IOException {
        ByteArrayInputStream in = new ByteArrayInputStream(value);
        int id = ConfluentSchemaCoder.readSchemaId(in);
        SpecificDatumReader<T> reader = readers.get(id);
        if (reader == null) {
            reader = new SpecificDatumReader<>(registry.schemaById(id), readerSchema);
            readers.put(id, reader);
        }
        decoder =
                DecoderFactory.get()
                        .binaryDecoder(
                                value,
                                ConfluentSchemaCoder.HEADER_LENGTH,
                                value.length - ConfluentSchemaCoder.HEADER_LENGTH,
                                decoder);
        return reader.read(null, decoder);
    }

    Class<T> type() {
        return type;
    }
}
