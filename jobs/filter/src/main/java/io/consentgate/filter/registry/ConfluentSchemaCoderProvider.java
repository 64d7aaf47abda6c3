package io.consentgate.filter.registry;

import java.time.Duration;
import java.util.Objects;
import org.apache.flink.formats.avro.SchemaCoder;

/**
 * Serializable factory of {@link ConfluentSchemaCoder}s for flink-avro's {@code
 * RegistryAvroSerializationSchema} and {@code RegistryAvroDeserializationSchema}.
 */
public final class ConfluentSchemaCoderProvider implements SchemaCoder.SchemaCoderProvider {

    private static final long serialVersionUID = 1L;

    private final String baseUrl;
    private final String subject;
    private final Duration retryBudget;

    /**
     * @param baseUrl the Confluent API root, e.g. {@code http://127.0.0.1:8080/apis/ccompat/v7}
     * @param subjectOrNull the subject writers register under; {@code null} for readers only
     * @param retryBudget how long one registry call keeps retrying an outage
     */
    public ConfluentSchemaCoderProvider(
            String baseUrl, String subjectOrNull, Duration retryBudget) {
        this.baseUrl = Objects.requireNonNull(baseUrl, "baseUrl");
        this.subject = subjectOrNull;
        this.retryBudget = Objects.requireNonNull(retryBudget, "retryBudget");
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
        return new ConfluentSchemaCoder(new ConfluentRegistryClient(baseUrl, retryBudget), subject);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ConfluentSchemaCoderProvider p
                && baseUrl.equals(p.baseUrl)
                && Objects.equals(subject, p.subject)
                && retryBudget.equals(p.retryBudget);
    }

    @Override
    public int hashCode() {
        return Objects.hash(baseUrl, subject, retryBudget);
    }

    @Override
    public String toString() {
        return "ConfluentSchemaCoderProvider[" + baseUrl + ", subject " + subject + "]";
    }
}
