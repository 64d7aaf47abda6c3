package io.consentgate.bench.peers;

import io.consentgate.filter.registry.ConfluentRegistryClient;
import io.consentgate.filter.registry.ConfluentSchemaCoder;
import io.consentgate.filter.registry.ConfluentSchemaCoderProvider;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.Map;
import org.apache.avro.Schema;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Kafka serializer writing generated Avro records in the Confluent wire format, with the schema
 * registered under the topic's value subject: the same bytes the filter's sinks write (magic byte,
 * 4-byte schema id, Avro binary).
 *
 * <p>Thread-safe: Kafka Streams shares a sink's serializer between its stream threads, so the
 * buffers, writers and the id cache are per thread (the registry client caches registrations).
 */
final class ConfluentAvroSerializer implements Serializer<SpecificRecord> {
    private final ConfluentRegistryClient registry;
    private final ThreadLocal<PerThread> state = ThreadLocal.withInitial(PerThread::new);

    private static final class PerThread {
        final Map<Schema, Integer> ids = new HashMap<>();
        final Map<Schema, SpecificDatumWriter<SpecificRecord>> writers = new HashMap<>();
        final ByteArrayOutputStream out = new ByteArrayOutputStream(1024);
        BinaryEncoder encoder;
    }

    ConfluentAvroSerializer(ConfluentRegistryClient registry) {
        this.registry = registry;
    }

    @Override
    public byte[] serialize(String topic, SpecificRecord record) {
        if (record == null) {
            return null;
        }
        PerThread s = state.get();
        Schema schema = record.getSchema();
        try {
            Integer id = s.ids.get(schema);
            if (id == null) {
                id = registry.register(ConfluentSchemaCoderProvider.valueSubject(topic), schema);
                s.ids.put(schema, id);
                s.writers.put(schema, new SpecificDatumWriter<>(schema));
            }
            s.out.reset();
            ConfluentSchemaCoder.writeHeader(id, s.out);
            s.encoder = EncoderFactory.get().directBinaryEncoder(s.out, s.encoder);
            s.writers.get(schema).write(record, s.encoder);
            s.encoder.flush();
            return s.out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException("cannot write " + schema.getFullName(), e);
        }
    }
}
