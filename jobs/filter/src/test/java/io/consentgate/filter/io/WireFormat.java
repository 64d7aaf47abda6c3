package io.consentgate.filter.io;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.generic.GenericDatumReader;
import org.apache.avro.generic.GenericDatumWriter;
import org.apache.avro.generic.GenericRecord;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecordBase;

/** Test helpers for Confluent wire-format bytes and an in-memory registry. */
final class WireFormat {
    private WireFormat() {}

    /** An in-memory registry: ids to schemas; unknown ids are not registered. */
    static final class InMemoryRegistry implements WriterSchemas {
        private final Map<Integer, Schema> schemas = new HashMap<>();
        private boolean down;

        InMemoryRegistry with(int id, Schema schema) {
            schemas.put(id, schema);
            return this;
        }

        InMemoryRegistry down() {
            down = true;
            return this;
        }

        @Override
        public Schema byId(int id) throws InvalidRecordException, IOException {
            if (down) {
                throw new IOException("registry unavailable");
            }
            Schema s = schemas.get(id);
            if (s == null) {
                throw new InvalidRecordException(
                        DeadLetterCodes.UNKNOWN_SCHEMA_ID,
                        "schema id " + id + " is not registered");
            }
            return s;
        }
    }

    static byte[] header(int id) {
        return new byte[] {0, (byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id};
    }

    /** The record in the Confluent format under schema id {@code id}. */
    static byte[] confluent(int id, SpecificRecordBase record) {
        return concat(header(id), avro(record));
    }

    static byte[] avro(SpecificRecordBase record) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(out, null);
            @SuppressWarnings("unchecked")
            SpecificDatumWriter<SpecificRecordBase> w =
                    new SpecificDatumWriter<>((Class<SpecificRecordBase>) record.getClass());
            w.write(record, enc);
            enc.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads Avro bytes written with {@code writer} as a generic record of {@code reader}. */
    static GenericRecord asGeneric(byte[] avro, Schema writer, Schema reader) {
        try {
            return new GenericDatumReader<GenericRecord>(writer, reader)
                    .read(null, DecoderFactory.get().binaryDecoder(avro, null));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] avro(GenericRecord record) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            BinaryEncoder enc = EncoderFactory.get().directBinaryEncoder(out, null);
            new GenericDatumWriter<GenericRecord>(record.getSchema()).write(record, enc);
            enc.flush();
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }
}
