package io.consentgate.demo;

/** How a corrupt generated record is broken; each one must end up in the dead-letter topic. */
public enum Corruption {
    /** A valid Avro body behind a first byte that is not the Confluent magic byte 0. */
    BAD_MAGIC_BYTE,
    /** A valid header and the first part of a valid Avro body. */
    TRUNCATED_AVRO,
    /** A valid Avro body behind a schema id that the registry does not know. */
    UNKNOWN_SCHEMA_ID,
    /** Not Confluent Avro at all: JSON text from a misconfigured producer. */
    GARBAGE
}
