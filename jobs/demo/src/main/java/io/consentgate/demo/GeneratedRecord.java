package io.consentgate.demo;

import java.util.Objects;
import org.apache.avro.specific.SpecificRecord;

/**
 * One record for an input topic: the subject key bytes the filter expects ({@code
 * tenantId:subjectId}, UTF-8) and either an Avro value or, for a corrupt record, the raw bytes to
 * write instead.
 *
 * @param topic which input topic it belongs to
 * @param key the Kafka record key
 * @param value the Avro record ({@code SendRequest} or {@code ConsentEvent}); null when corrupt
 * @param corruptValue the bytes to write as the value; null unless corrupt
 * @param corruption how it is broken; null for a valid record
 * @param eventTimeMillis the record's event time (requestedAt or occurredAt; for a corrupt record
 *     the event time of the slot it took)
 * @param history true for the consent history written before the first send
 * @param late true for a consent event whose event time is well behind the stream
 * @param duplicate true for a send that repeats an earlier message id
 */
public record GeneratedRecord(
        TopicKind topic,
        byte[] key,
        SpecificRecord value,
        byte[] corruptValue,
        Corruption corruption,
        long eventTimeMillis,
        boolean history,
        boolean late,
        boolean duplicate) {

    public GeneratedRecord {
        Objects.requireNonNull(topic, "topic");
        if ((value == null) == (corruptValue == null) || (corruption == null) != (value != null)) {
            throw new IllegalArgumentException("either a value or corrupt bytes with a corruption");
        }
    }

    public boolean corrupt() {
        return corruption != null;
    }
}
