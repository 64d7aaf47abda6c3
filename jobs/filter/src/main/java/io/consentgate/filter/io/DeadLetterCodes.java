package io.consentgate.filter.io;

import java.util.List;

/**
 * Stable error codes of the dead-letter topic: one per way an input record can fail. Dashboards,
 * alerts and the reliability suite match on these strings; never rename one.
 */
public final class DeadLetterCodes {
    private DeadLetterCodes() {}

    /** The Kafka record has no key. */
    public static final String NULL_KEY = "NULL_KEY";

    /** The Kafka record has no value (a tombstone). */
    public static final String NULL_VALUE = "NULL_VALUE";

    /** Key plus value exceed input.max-record-bytes; the dead letter keeps only a prefix. */
    public static final String OVERSIZE = "OVERSIZE";

    /** The value is shorter than the 5-byte Confluent header (magic byte + schema id). */
    public static final String TRUNCATED_HEADER = "TRUNCATED_HEADER";

    /** The first byte is not the Confluent magic byte 0. */
    public static final String BAD_MAGIC_BYTE = "BAD_MAGIC_BYTE";

    /** The registry does not know the schema id in the header. */
    public static final String UNKNOWN_SCHEMA_ID = "UNKNOWN_SCHEMA_ID";

    /** The writer schema is another record type (e.g. a ConsentEvent on the sends topic). */
    public static final String WRONG_RECORD_TYPE = "WRONG_RECORD_TYPE";

    /** The writer schema has the right name but cannot be read with the job's schema. */
    public static final String INCOMPATIBLE_SCHEMA = "INCOMPATIBLE_SCHEMA";

    /** The Avro data ends before the record does. */
    public static final String TRUNCATED_AVRO = "TRUNCATED_AVRO";

    /** The Avro data is malformed (bad lengths, union or enum index, trailing bytes, ...). */
    public static final String CORRUPT_AVRO = "CORRUPT_AVRO";

    /** An enum symbol the job's schema does not know. */
    public static final String UNKNOWN_ENUM_SYMBOL = "UNKNOWN_ENUM_SYMBOL";

    /** A string is not valid UTF-8. */
    public static final String INVALID_UTF8 = "INVALID_UTF8";

    /** A required id (message, event, tenant or subject id) is empty or blank. */
    public static final String MISSING_ID = "MISSING_ID";

    /** A tenant id contains the subject-key separator ':'. */
    public static final String INVALID_ID = "INVALID_ID";

    /** The record key is not the subject key (tenantId:subjectId) of the value. */
    public static final String KEY_MISMATCH = "KEY_MISMATCH";

    /** The event time is before input.min-event-time or too far after the record timestamp. */
    public static final String TIMESTAMP_OUT_OF_RANGE = "TIMESTAMP_OUT_OF_RANGE";

    /** A send behind the watermark, with late.sends=DEAD_LETTER. */
    public static final String LATE_SEND = "LATE_SEND";

    /** The decision engine threw on a send (never approved; the job keeps running). */
    public static final String DECISION_FAILED = "DECISION_FAILED";

    /** Every code, for documentation and metrics. */
    public static final List<String> ALL =
            List.of(
                    NULL_KEY,
                    NULL_VALUE,
                    OVERSIZE,
                    TRUNCATED_HEADER,
                    BAD_MAGIC_BYTE,
                    UNKNOWN_SCHEMA_ID,
                    WRONG_RECORD_TYPE,
                    INCOMPATIBLE_SCHEMA,
                    TRUNCATED_AVRO,
                    CORRUPT_AVRO,
                    UNKNOWN_ENUM_SYMBOL,
                    INVALID_UTF8,
                    MISSING_ID,
                    INVALID_ID,
                    KEY_MISMATCH,
                    TIMESTAMP_OUT_OF_RANGE,
                    LATE_SEND,
                    DECISION_FAILED);
}
