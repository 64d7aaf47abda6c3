package io.consentgate.filter.io;

import io.consentgate.filter.SubjectKey;
import io.consentgate.schema.ApprovedSend;
import io.consentgate.schema.AuditEvent;
import io.consentgate.schema.DeadLetter;
import io.consentgate.schema.DeferredSend;
import java.io.Serializable;
import java.nio.ByteBuffer;
import org.apache.flink.api.common.serialization.SerializationSchema;
import org.apache.flink.connector.kafka.sink.KafkaRecordSerializationSchema;
import org.apache.kafka.clients.producer.ProducerRecord;

/**
 * Writes one output record to its topic: the value through a (Confluent Avro) serialization schema,
 * the key from the record (the subject key; the raw input key for dead letters), no explicit
 * partition (Kafka's default partitioner hashes the key, as the input topics are partitioned) and
 * no explicit timestamp (the producer's clock: event times can be months old and must not drive the
 * output topics' retention).
 */
public final class KeyedRecordSerializer<T> implements KafkaRecordSerializationSchema<T> {
    private static final long serialVersionUID = 1L;

    /** Extracts the record key bytes (may be null). */
    public interface KeyOf<T> extends Serializable {
        byte[] key(T record);
    }

    private final String topic;
    private final SerializationSchema<T> value;
    private final KeyOf<T> keyOf;

    public KeyedRecordSerializer(String topic, SerializationSchema<T> value, KeyOf<T> keyOf) {
        this.topic = topic;
        this.value = value;
        this.keyOf = keyOf;
    }

    @Override
    public void open(
            SerializationSchema.InitializationContext context, KafkaSinkContext sinkContext)
            throws Exception {
        value.open(context);
    }

    @Override
    public ProducerRecord<byte[], byte[]> serialize(
            T record, KafkaSinkContext context, Long timestamp) {
        return new ProducerRecord<>(topic, null, null, keyOf.key(record), value.serialize(record));
    }

    public static byte[] keyOf(ApprovedSend r) {
        return SubjectKey.bytes(r.getRequest().getTenantId(), r.getRequest().getSubjectId());
    }

    public static byte[] keyOf(DeferredSend r) {
        return SubjectKey.bytes(r.getRequest().getTenantId(), r.getRequest().getSubjectId());
    }

    public static byte[] keyOf(AuditEvent r) {
        return SubjectKey.bytes(r.getTenantId(), r.getSubjectId());
    }

    /** Dead letters keep the raw key of the record that failed. */
    public static byte[] keyOf(DeadLetter r) {
        ByteBuffer raw = r.getRawKey();
        if (raw == null) {
            return null;
        }
        ByteBuffer copy = raw.duplicate();
        byte[] bytes = new byte[copy.remaining()];
        copy.get(bytes);
        return bytes;
    }
}
