package io.consentgate.filter.io;

import io.consentgate.filter.internal.DecodedPolicy;
import io.consentgate.schema.PolicyDocument;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.apache.flink.api.common.serialization.DeserializationSchema;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.connector.kafka.source.reader.deserializer.KafkaRecordDeserializationSchema;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;
import org.apache.flink.util.Collector;
import org.apache.kafka.clients.consumer.ConsumerRecord;

/**
 * Reads the policy topic into {@link DecodedPolicy}: a decoded {@link PolicyDocument} or a dead
 * letter. The record checks are those of the other inputs (value, size, key, Confluent Avro), and
 * the key must be the document's policy id (UTF-8): KEY_MISMATCH otherwise, MISSING_ID for a blank
 * id. Whether the YAML is a valid, newer policy is decided by the decision operator, which rejects
 * it with a POLICY_REJECTED audit alert instead: a decodable document is not a dead letter.
 *
 * <p>Like the other deserializers it never throws for a bad record, only when the registry is
 * unavailable (the job restarts and reads the record again).
 */
public final class PolicyDocumentDeserializer
        implements KafkaRecordDeserializationSchema<DecodedPolicy> {
    private static final long serialVersionUID = 1L;

    private final InputLimits limits;
    private final WriterSchemas.Factory schemas;
    private transient ConfluentAvroDecoder<PolicyDocument> decoder;

    public PolicyDocumentDeserializer(InputLimits limits, WriterSchemas.Factory schemas) {
        this.limits = limits;
        this.schemas = schemas;
    }

    @Override
    public void open(DeserializationSchema.InitializationContext context) {
        decoder = new ConfluentAvroDecoder<>(PolicyDocument.class, schemas.create());
    }

    @Override
    public void deserialize(ConsumerRecord<byte[], byte[]> record, Collector<DecodedPolicy> out)
            throws IOException {
        DecodedPolicy result;
        try {
            result = new DecodedPolicy(decodeAndValidate(record), null);
        } catch (InvalidRecordException e) {
            result =
                    new DecodedPolicy(
                            null, InputDeserializer.deadLetter(record, e.code(), e.getMessage()));
        }
        out.collect(result);
    }

    private PolicyDocument decodeAndValidate(ConsumerRecord<byte[], byte[]> record)
            throws InvalidRecordException, IOException {
        InputDeserializer.checkEnvelope(record, limits);
        PolicyDocument doc = decoder.decode(record.value());
        String id = doc.getPolicyId();
        if (id == null || id.isBlank()) {
            throw new InvalidRecordException(DeadLetterCodes.MISSING_ID, "policyId is empty");
        }
        if (!Arrays.equals(record.key(), id.getBytes(StandardCharsets.UTF_8))) {
            throw new InvalidRecordException(
                    DeadLetterCodes.KEY_MISMATCH, "record key is not the policyId of the value");
        }
        return doc;
    }

    @Override
    public TypeInformation<DecodedPolicy> getProducedType() {
        return new AvroTypeInfo<>(DecodedPolicy.class);
    }
}
