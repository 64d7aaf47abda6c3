package io.consentgate.replay;

import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.SendRequest;
import java.time.Instant;
import java.util.Objects;

/** One entry of a history: a consent event or a send request, as the engine receives them. */
public sealed interface ScenarioEvent permits ScenarioEvent.Consent, ScenarioEvent.Send {

    /** Event time: {@code occurredAt} of a consent event, {@code requestedAt} of a send. */
    Instant at();

    String tenantId();

    String subjectId();

    static Consent of(ConsentEvent event) {
        return new Consent(event);
    }

    static Send of(SendRequest request) {
        return new Send(request);
    }

    /** A consent event ({@code "kind": "consent"}). */
    record Consent(ConsentEvent event) implements ScenarioEvent {
        public Consent {
            Objects.requireNonNull(event, "event");
        }

        @Override
        public Instant at() {
            return event.getOccurredAt();
        }

        @Override
        public String tenantId() {
            return event.getTenantId();
        }

        @Override
        public String subjectId() {
            return event.getSubjectId();
        }
    }

    /** A send request ({@code "kind": "send"}). */
    record Send(SendRequest request) implements ScenarioEvent {
        public Send {
            Objects.requireNonNull(request, "request");
        }

        @Override
        public Instant at() {
            return request.getRequestedAt();
        }

        @Override
        public String tenantId() {
            return request.getTenantId();
        }

        @Override
        public String subjectId() {
            return request.getSubjectId();
        }

        public String messageId() {
            return request.getMessageId();
        }
    }
}
