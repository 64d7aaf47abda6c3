package io.consentgate.filter.io;

import io.consentgate.filter.SubjectKey;
import io.consentgate.schema.DeadLetter;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.time.Instant;
import java.util.Arrays;
import org.apache.avro.specific.SpecificRecord;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Turns every Kafka record of an input topic into exactly one wrapper: the decoded and validated
 * record, or a {@link DeadLetter} with a stable code. It never throws for a bad record; it throws
 * only when the schema registry is unavailable, so that the source fails, the job restarts from its
 * last checkpoint, and the record is read again instead of being lost or dead-lettered.
 *
 * <p>Every check depends only on the record's bytes, its stored Kafka timestamp and the registry
 * (whose ids are immutable), so the outcome is the same on every replay.
 */
public abstract class InputDeserializer<R extends SpecificRecord, W>
        implements KafkaRecordDeserializationSchema<W> {
    private static final long serialVersionUID = 1L;

    /** Bytes of an oversize record's key and value kept in its dead letter. */
    static final int OVERSIZE_PREFIX_BYTES = 1024;

    private final Class<R> recordType;
    private final InputLimits limits;
    private final WriterSchemas.Factory schemas;
    private transient ConfluentAvroDecoder<R> decoder;

    protected InputDeserializer(
            Class<R> recordType, InputLimits limits, WriterSchemas.Factory schemas) {
        this.recordType = recordType;
        this.limits = limits;
        this.schemas = schemas;
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
        decoder = new ConfluentAvroDecoder<>(recordType, schemas.create());
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<W> out)
            throws IOException {
        W result;
        try {
            result = valid(decodeAndValidate(record));
        } catch (InvalidRecordException e) {
            result = invalid(deadLetter(record, e.code(), e.getMessage()));
        }
        out.collect(result);
    }

    private R decodeAndValidate(ConsumerRecord<byte[], byte[]> record)
            throws InvalidRecordException, IOException {
        checkEnvelope(record, limits);
        byte[] key = record.key();
        R decoded = decoder.decode(record.value());
        String tenantId = tenantId(decoded);
        String subjectId = subjectId(decoded);
        requireId(tenantId, "tenantId");
        requireId(subjectId, "subjectId");
        requireId(recordId(decoded), recordIdField());
        if (tenantId.indexOf(SubjectKey.SEPARATOR) >= 0) {
            throw new InvalidRecordException(
                    DeadLetterCodes.INVALID_ID,
                    "tenantId contains '" + SubjectKey.SEPARATOR + "', the subject key separator");
        }
        if (!SubjectKey.matches(key, tenantId, subjectId)) {
            throw new InvalidRecordException(
                    DeadLetterCodes.KEY_MISMATCH,
                    "record key is not tenantId" + SubjectKey.SEPARATOR + "subjectId of the value");
        }
        long eventTime = eventTime(decoded).toEpochMilli();
        if (eventTime < limits.minEventTimeMillis()) {
            throw new InvalidRecordException(
                    DeadLetterCodes.TIMESTAMP_OUT_OF_RANGE,
                    eventTimeField()
                            + " "
                            + eventTime
                            + " is before the minimum "
                            + limits.minEventTimeMillis());
        }
        long recordTime = record.timestamp();
        if (recordTime >= 0 && eventTime - recordTime > limits.maxSkewMillis()) {
            throw new InvalidRecordException(
                    DeadLetterCodes.TIMESTAMP_OUT_OF_RANGE,
                    eventTimeField()
                            + " is "
                            + (eventTime - recordTime)
                            + " ms after the record timestamp; at most "
                            + limits.maxSkewMillis()
                            + " ms allowed");
        }
        return decoded;
    }

    /**
     * The checks every input topic shares, before decoding: a value, a size within the limit, a key
     * (in that order, so an oversize record is dead-lettered as such even without a key).
     */
    static void checkEnvelope(ConsumerRecord<byte[], byte[]> record, InputLimits limits)
            throws InvalidRecordException {
        byte[] key = record.key();
        byte[] value = record.value();
        if (value == null) {
            throw new InvalidRecordException(DeadLetterCodes.NULL_VALUE, "record has no value");
        }
        long size = (long) value.length + (key == null ? 0 : key.length);
        if (size > limits.maxRecordBytes()) {
            throw new InvalidRecordException(
                    DeadLetterCodes.OVERSIZE,
                    "key and value have "
                            + size
                            + " bytes, the limit is "
                            + limits.maxRecordBytes()
                            + "; the dead letter keeps the first "
                            + OVERSIZE_PREFIX_BYTES
                            + " bytes of each");
        }
        if (key == null) {
            throw new InvalidRecordException(DeadLetterCodes.NULL_KEY, "record has no key");
        }
    }

    private static void requireId(String id, String field) throws InvalidRecordException {
        if (id == null || id.isBlank()) {
            throw new InvalidRecordException(DeadLetterCodes.MISSING_ID, field + " is empty");
        }
    }

    static DeadLetter deadLetter(
            ConsumerRecord<byte[], byte[]> record, String code, String message) {
        boolean oversize = DeadLetterCodes.OVERSIZE.equals(code);
        return DeadLetter.newBuilder()
                .setSourceTopic(record.topic())
                .setPartition(record.partition())
                .setOffset(record.offset())
                .setTimestamp(
                        record.timestamp() >= 0 ? Instant.ofEpochMilli(record.timestamp()) : null)
                .setRawKey(raw(record.key(), oversize))
                .setRawValue(raw(record.value(), oversize))
                .setErrorCode(code)
                .setErrorMessage(message)
                .build();
    }

    private static ByteBuffer raw(byte[] bytes, boolean truncate) {
        if (bytes == null) {
            return null;
        }
        if (truncate && bytes.length > OVERSIZE_PREFIX_BYTES) {
            bytes = Arrays.copyOf(bytes, OVERSIZE_PREFIX_BYTES);
        }
        return ByteBuffer.wrap(bytes);
    }

    protected abstract String tenantId(R record);

    protected abstract String subjectId(R record);

    /** The record's own id (message id, event id). */
    protected abstract String recordId(R record);

    protected abstract String recordIdField();

    protected abstract Instant eventTime(R record);

    protected abstract String eventTimeField();

    protected abstract W valid(R record);

    protected abstract W invalid(DeadLetter deadLetter);
}
