package io.consentgate.filter.io;

import io.consentgate.filter.internal.DecodedConsent;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.DeadLetter;
import java.time.Instant;
import org.apache.flink.api.common.typeinfo.TypeInformation;
import org.apache.flink.formats.avro.typeutils.AvroTypeInfo;

/**
 * Reads the consent topic into {@link DecodedConsent}: a valid {@link ConsentEvent} or a dead
 * letter.
 */
public final class ConsentEventDeserializer
        extends InputDeserializer<ConsentEvent, DecodedConsent> {
    private static final long serialVersionUID = 1L;

    public ConsentEventDeserializer(InputLimits limits, WriterSchemas.Factory schemas) {
        super(ConsentEvent.class, limits, schemas);
    }

    @Override
    protected String tenantId(ConsentEvent r) {
        return r.getTenantId();
    }

    @Override
    protected String subjectId(ConsentEvent r) {
        return r.getSubjectId();
    }

    @Override
    protected String recordId(ConsentEvent r) {
        return r.getEventId();
    }

    @Override
    protected String recordIdField() {
        return "eventId";
    }

    @Override
    protected Instant eventTime(ConsentEvent r) {
        return r.getOccurredAt();
    }

    @Override
    protected String eventTimeField() {
        return "occurredAt";
    }

    @Override
    protected DecodedConsent valid(ConsentEvent r) {
        return new DecodedConsent(r, null);
    }

    @Override
    protected DecodedConsent invalid(DeadLetter d) {
        return new DecodedConsent(null, d);
    }

    @Override
    public TypeInformation<DecodedConsent> getProducedType() {
        return new AvroTypeInfo<>(DecodedConsent.class);
    }
}
