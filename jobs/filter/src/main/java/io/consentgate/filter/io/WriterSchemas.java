package io.consentgate.filter.io;

import java.io.IOException;
import java.io.Serializable;
import org.apache.avro.Schema;

/** Looks up writer schemas by their registry id (the id in the Confluent wire-format header). */
public interface WriterSchemas {

    /**
     * The Avro schema registered under {@code id}.
     *
     * @throws InvalidRecordException the id cannot describe a readable record: not registered
     *     ({@link DeadLetterCodes#UNKNOWN_SCHEMA_ID}) or not an Avro schema ({@link
     *     DeadLetterCodes#WRONG_RECORD_TYPE})
     * @throws IOException the registry cannot be reached within its retry budget, or refuses the
     *     job (e.g. unauthorized): not the record's fault, so the job fails and restarts from its
     *     last checkpoint instead of dead-lettering
     */
    Schema byId(int id) throws InvalidRecordException, IOException;

    /** Creates the lookup on the task manager. */
    interface Factory extends Serializable {
        WriterSchemas create();
    }
}
