package io.consentgate.filter.io;

import io.consentgate.filter.internal.DecodedSend;
import io.consentgate.schema.DeadLetter;
import io.consentgate.schema.SendRequest;
import java.time.Instant;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;

/** Reads the sends topic into {@link DecodedSend}: a valid {@link SendRequest} or a dead letter. */
public final class SendRequestDeserializer extends InputDeserializer<SendRequest, DecodedSend> {
    private static final long serialVersionUID = 1L;

    public SendRequestDeserializer(InputLimits limits, WriterSchemas.Factory schemas) {
        super(SendRequest.class, limits, schemas);
    }

    @Override
    protected String tenantId(SendRequest r) {
        return r.getTenantId();
    }

    @Override
    protected String subjectId(SendRequest r) {
        return r.getSubjectId();
    }

    @Override
    protected String recordId(SendRequest r) {
        return r.getMessageId();
    }

    @Override
    protected String recordIdField() {
        return "messageId";
    }

    @Override
    protected Instant eventTime(SendRequest r) {
        return r.getRequestedAt();
    }

    @Override
    protected String eventTimeField() {
        return "requestedAt";
    }

    @Override
    protected DecodedSend valid(SendRequest r) {
        return new DecodedSend(r, null);
    }

    @Override
    protected DecodedSend invalid(DeadLetter d) {
        return new DecodedSend(null, d);
    }

    @Override
    public TypeInformation<DecodedSend> getProducedType() {
        return new AvroTypeInfo<>(DecodedSend.class);
    }
}
