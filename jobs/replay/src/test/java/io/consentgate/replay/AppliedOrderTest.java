package io.consentgate.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgate.schema.Category;
import io.consentgate.schema.Channel;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.ConsentEventType;
import io.consentgate.schema.ContentFacts;
import io.consentgate.schema.RecipientType;
import io.consentgate.schema.SendRequest;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class AppliedOrderTest {

    private static final Instant T = Instant.parse("2026-03-02T10:00:00Z");

    static ScenarioEvent consent(String id, Instant at) {
        return ScenarioEvent.of(
                ConsentEvent.newBuilder()
                        .setEventId(id)
                        .setOccurredAt(at)
                        .setTenantId("t")
                        .setSubjectId("s")
                        .setType(ConsentEventType.OPT_OUT)
                        .build());
    }

    static ScenarioEvent send(String id, Instant at) {
        return ScenarioEvent.of(
                SendRequest.newBuilder()
                        .setMessageId(id)
                        .setRequestedAt(at)
                        .setTenantId("t")
                        .setSubjectId("s")
                        .setChannel(Channel.EMAIL)
                        .setCategory(Category.MARKETING)
                        .setJurisdiction("GB")
                        .setRecipientType(RecipientType.INDIVIDUAL)
                        .setContent(ContentFacts.newBuilder().build())
                        .build());
    }

    private static List<String> ids(List<ScenarioEvent> events) {
        return events.stream()
                .map(
                        e ->
                                e instanceof ScenarioEvent.Send s
                                        ? s.messageId()
                                        : ((ScenarioEvent.Consent) e).event().getEventId())
                .toList();
    }

    @Test
    void ordersByTime() {
        List<ScenarioEvent> events =
                List.of(
                        send("m2", T.plusSeconds(2)),
                        consent("c1", T.plusSeconds(1)),
                        send("m0", T));

        assertThat(ids(AppliedOrder.sort(events))).containsExactly("m0", "c1", "m2");
    }

    @Test
    void appliesConsentBeforeSendAtTheSameInstant() {
        List<ScenarioEvent> events = List.of(send("m1", T), consent("c1", T));

        assertThat(ids(AppliedOrder.sort(events))).containsExactly("c1", "m1");
    }

    @Test
    void keepsFileOrderAmongEqualTies() {
        List<ScenarioEvent> events =
                List.of(
                        send("m2", T),
                        consent("c2", T),
                        send("m1", T),
                        consent("c1", T),
                        send("m3", T));

        assertThat(ids(AppliedOrder.sort(events))).containsExactly("c2", "c1", "m2", "m1", "m3");
    }

    @Test
    void leavesTheInputAlone() {
        List<ScenarioEvent> events =
                new java.util.ArrayList<>(List.of(send("m1", T), consent("c1", T)));

        AppliedOrder.sort(events);

        assertThat(ids(events)).containsExactly("m1", "c1");
    }

    @Test
    void sortsAnyRecordTypeGivenTimeAndKind() {
        record Rec(String id, Instant at, boolean consent) {}
        List<Rec> recs =
                List.of(
                        new Rec("s1", T, false),
                        new Rec("c1", T, true),
                        new Rec("c0", T.minusMillis(1), true));

        assertThat(AppliedOrder.sort(recs, Rec::at, Rec::consent).stream().map(Rec::id))
                .containsExactly("c0", "c1", "s1");
    }
}
