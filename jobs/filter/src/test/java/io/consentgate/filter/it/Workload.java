package io.consentgate.filter.it;

import static io.consentgate.engine.testing.ConsentBuilder.aConsent;
import static io.consentgate.engine.testing.ConsentBuilder.an;
import static io.consentgate.engine.testing.SendBuilder.aSend;

import io.consentgate.engine.testing.SendBuilder;
import io.consentgate.replay.AppliedOrder;
import io.consentgate.replay.ScenarioEvent;
import io.consentgate.schema.Channel;
import io.consentgate.schema.ConsentEventType;
import io.consentgate.schema.EvidenceMethod;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Many subjects with consent histories and a day of sends, in applied order, for the volume tests:
 * a mix that yields ALLOW (consent, soft opt-in, service), BLOCK (withdrawal, objection, no basis)
 * and DEFER (US SMS in quiet hours, re-decided at 08:00 local). Message ids are unique, so every
 * send has exactly one first decision.
 */
final class Workload {
    private static final Instant START = Instant.parse("2026-03-02T10:00:00Z");
    private static final String BRAND = SendBuilder.BRAND;

    private Workload() {}

    /** {@code subjects} subjects of {@code tenant} with {@code sendsPerSubject} sends each. */
    static List<ScenarioEvent> generate(String tenant, int subjects, int sendsPerSubject) {
        List<ScenarioEvent> events = new ArrayList<>();
        for (int i = 0; i < subjects; i++) {
            String subject = String.format("sub-%04d", i);
            int kind = i % 6;
            history(events, tenant, subject, kind);
            for (int k = 0; k < sendsPerSubject; k++) {
                // 40 minutes apart from 10:00Z (05:00 in New York): the first US SMS fall in
                // quiet hours, the later ones do not; seconds spread the subjects apart.
                Instant at = START.plus(Duration.ofMinutes(40L * k)).plusSeconds(i % 60);
                SendBuilder send =
                        aSend().id("m-" + subject + "-" + k).subject(tenant, subject).at(at);
                if (kind == 5) {
                    send.sms().inUs();
                } else if (kind == 4 && k % 2 == 0) {
                    send.service();
                }
                events.add(ScenarioEvent.of(send.build()));
            }
        }
        return AppliedOrder.sort(events);
    }

    private static void history(
            List<ScenarioEvent> events, String tenant, String subject, int kind) {
        String id = "ce-" + subject + "-";
        Instant longAgo = START.minus(Duration.ofDays(30));
        switch (kind) {
            case 0 -> add(events, aConsent().id(id + 1).subject(tenant, subject).at(longAgo));
            case 1 -> {
                add(events, aConsent().id(id + 1).subject(tenant, subject).at(longAgo));
                add(
                        events,
                        an(ConsentEventType.CONSENT_WITHDRAWN)
                                .id(id + 2)
                                .subject(tenant, subject)
                                .at(START.plus(Duration.ofHours(3))));
            }
            case 2 ->
                    add(
                            events,
                            an(ConsentEventType.PURCHASE)
                                    .id(id + 1)
                                    .subject(tenant, subject)
                                    .anyChannel()
                                    .productCategory("coffee")
                                    .optOutOffered()
                                    .at(START.minus(Duration.ofDays(10))));
            case 3 -> {
                add(events, aConsent().id(id + 1).subject(tenant, subject).at(longAgo));
                add(
                        events,
                        an(ConsentEventType.OBJECTION)
                                .id(id + 2)
                                .subject(tenant, subject)
                                .anyChannel()
                                .anyBrand()
                                .at(START.plus(Duration.ofHours(2))));
            }
            case 4 -> {
                // No consent: marketing is blocked, service messages pass.
            }
            default ->
                    add(
                            events,
                            aConsent()
                                    .id(id + 1)
                                    .subject(tenant, subject)
                                    .brand(BRAND)
                                    .channel(Channel.SMS)
                                    .method(EvidenceMethod.ELECTRONIC_SIGNATURE)
                                    .optOutOffered()
                                    .at(longAgo));
        }
    }

    private static void add(
            List<ScenarioEvent> events, io.consentgate.engine.testing.ConsentBuilder consent) {
        events.add(ScenarioEvent.of(consent.build()));
    }

    /** The message ids of every send in {@code events}. */
    static List<String> messageIds(List<ScenarioEvent> events) {
        List<String> ids = new ArrayList<>();
        for (ScenarioEvent e : events) {
            if (e instanceof ScenarioEvent.Send s) {
                ids.add(s.messageId());
            }
        }
        return ids;
    }
}
