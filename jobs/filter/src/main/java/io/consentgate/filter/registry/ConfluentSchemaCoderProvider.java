package io.consentgate.filter.registry;

import java.time.Duration;
import java.util.Objects;
import org.apache.flink.formats.avro.SchemaCoder;

/**
 * Serializable factory of {@link ConfluentSchemaCoder}s for flink-avro's {@code
 * RegistryAvroSerializationSchema} and {@code RegistryAvroDeserializationSchema}.
 */
public final class ConfluentSchemaCoderProvider implements SchemaCoder.SchemaCoderProvider {

    private static final long serialVersionUID = 2L;

    private final RegistryAccess access;
    private final String subject;

    /**
     * @param access how to reach the registry (URL, retry budget, credentials, TLS)
     * @param subjectOrNull the subject writers register under; {@code null} for readers only
     */
    public ConfluentSchemaCoderProvider(RegistryAccess access, String subjectOrNull) {
        this.access = Objects.requireNonNull(access, "access");
        this.subject = subjectOrNull;
    }

    /**
     * @param baseUrl the Confluent API root, e.g. {@code http://127.0.0.1:8080/apis/ccompat/v7}
     * @param subjectOrNull the subject writers register under; {@code null} for readers only
     * @param retryBudget how long one registry call keeps retrying an outage
     */
    public ConfluentSchemaCoderProvider(
            String baseUrl, String subjectOrNull, Duration retryBudget) {
        this(RegistryAccess.of(baseUrl, retryBudget), subjectOrNull);
    }

    /** A provider whose writers register under the topic's value subject. */
    public static ConfluentSchemaCoderProvider forTopicValues(
            String baseUrl, String topic, Duration retryBudget) {
        return new ConfluentSchemaCoderProvider(baseUrl, valueSubject(topic), retryBudget);
    }

    /** The topic-name strategy's subject for a topic's values: {@code <topic>-value}. */
    public static String valueSubject(String topic) {
        return topic + "-value";
    }

    @Override
    public ConfluentSchemaCoder get() {
        return new ConfluentSchemaCoder(new ConfluentRegistryClient(access), subject);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConfluentSchemaCoderProvider p
                && access.equals(p.access)
                && Objects.equals(subject, p.subject);
    }

    @Override
    public int hashCode() {
        return Objects.hash(access, subject);
    }

    @Override
    public String toString() {
        return "ConfluentSchemaCoderProvider[" + access + ", subject " + subject + "]";
    }
}
