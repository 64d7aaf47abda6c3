package io.consentgate.replay;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgate.engine.Policy;
import io.consentgate.schema.Category;
import io.consentgate.schema.Channel;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.ConsentEventType;
import io.consentgate.schema.ContentFacts;
import io.consentgate.schema.DataOrigin;
import io.consentgate.schema.Evidence;
import io.consentgate.schema.EvidenceMethod;
import io.consentgate.schema.RecipientType;
import io.consentgate.schema.SendRequest;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/** Replay invariants: subjects are independent, and file order does not matter. */
class ReplayPropertiesTest {
    private static final long START = Instant.parse("2025-01-01T00:00:00Z").toEpochMilli();
    private static final ConsentEventType[] TYPES = {
        ConsentEventType.CONSENT_GRANTED,
        ConsentEventType.CONSENT_GRANTED,
        ConsentEventType.CONSENT_WITHDRAWN,
        ConsentEventType.OPT_OUT,
        ConsentEventType.OBJECTION,
        ConsentEventType.PURCHASE,
        ConsentEventType.INQUIRY,
        ConsentEventType.SUPPRESSION_ADDED,
        ConsentEventType.SUPPRESSION_REMOVED,
        ConsentEventType.ERASURE,
        ConsentEventType.ART14_NOTICE_GIVEN
    };
    private static final String[][] PLACES = {
        {"GB", "Europe/London"},
        {"DE", "Europe/Berlin"},
        {"CA-ON", "America/Toronto"},
        {"US-NY", "America/New_York"}
    };

    private final ScenarioRunner runner = new ScenarioRunner(Policy.defaultPolicy());

    @Property(tries = 300)
    void eventsOfAnotherSubjectNeverChangeADecision(
            @ForAll long seed, @ForAll @IntRange(min = 1, max = 30) int size) {
        Random random = new Random(seed);
        List<ScenarioEvent> mine = history(random, "s-a", size, false);
        List<ScenarioEvent> others = history(random, "s-b", size, false);
        // Same message ids and times for the other subject make the test sharper.
        for (ScenarioEvent e : mine) {
            if (e instanceof ScenarioEvent.Send s) {
                SendRequest copy = SendRequest.newBuilder(s.request()).setSubjectId("s-b").build();
                others.add(ScenarioEvent.of(copy));
            }
        }
        // Interleave at random positions, keeping this subject's own file order.
        List<ScenarioEvent> mixed = new ArrayList<>(mine);
        for (ScenarioEvent other : others) {
            mixed.add(random.nextInt(mixed.size() + 1), other);
        }
        assertThat(decisionsOf("s-a", runner.replay(mixed)))
                .isEqualTo(decisionsOf("s-a", runner.replay(mine)));
    }

    @Property(tries = 300)
    void decisionsDoNotDependOnFileOrderWhenTimesAreDistinct(
            @ForAll long seed, @ForAll @IntRange(min = 1, max = 40) int size) {
        Random random = new Random(seed);
        List<ScenarioEvent> events = history(random, "s-a", size, true);
        List<ScenarioEvent> shuffled = new ArrayList<>(events);
        Collections.shuffle(shuffled, random);
        assertThat(decisionsOf("s-a", runner.replay(shuffled)))
                .isEqualTo(decisionsOf("s-a", runner.replay(events)));
    }

    private static List<String> decisionsOf(String subject, List<DecidedSend> decided) {
        List<String> out = new ArrayList<>();
        for (DecidedSend d : decided) {
            if (d.send().getSubjectId().equals(subject)) {
                // Occurrences are numbered per id across subjects, so they are not compared.
                out.add(d.messageId() + " " + DecidedSend.describe(d.decision()));
            }
        }
        return out;
    }

    /** A random history; with {@code distinctTimes} no two events share an instant. */
    private static List<ScenarioEvent> history(
            Random random, String subject, int size, boolean distinctTimes) {
        List<ScenarioEvent> events = new ArrayList<>();
        for (int i = 0; i < size; i++) {
            long at =
                    distinctTimes
                            ? START + i * 7_200_000L + random.nextInt(3_600_000)
                            : START + random.nextInt(200) * 3_600_000L;
            if (random.nextInt(3) == 0) {
                String[] place = PLACES[random.nextInt(PLACES.length)];
                events.add(
                        ScenarioEvent.of(
                                SendRequest.newBuilder()
                                        .setMessageId("m-" + random.nextInt(size + 1))
                                        .setTenantId("t")
                                        .setSubjectId(subject)
                                        .setBrand(random.nextBoolean() ? "brand-a" : "brand-b")
                                        .setChannel(Channel.values()[random.nextInt(6)])
                                        .setCategory(
                                                random.nextInt(4) == 0
                                                        ? Category.SERVICE
                                                        : Category.MARKETING)
                                        .setPurpose("offers")
                                        .setProductCategory("coffee")
                                        .setJurisdiction(place[0])
                                        .setTimeZone(place[1])
                                        .setRecipientType(RecipientType.values()[random.nextInt(3)])
                                        .setContent(
                                                ContentFacts.newBuilder()
                                                        .setSenderIdentified(true)
                                                        .setUnsubscribe(true)
                                                        .setObjectionNotice(true)
                                                        .build())
                                        .setRequestedAt(Instant.ofEpochMilli(at))
                                        .build()));
            } else {
                ConsentEventType type = TYPES[random.nextInt(TYPES.length)];
                events.add(
                        ScenarioEvent.of(
                                ConsentEvent.newBuilder()
                                        .setEventId(subject + "-ce-" + i)
                                        .setTenantId("t")
                                        .setSubjectId(subject)
                                        .setType(type)
                                        .setOccurredAt(Instant.ofEpochMilli(at))
                                        .setBrand(random.nextBoolean() ? "brand-a" : null)
                                        .setChannel(
                                                random.nextBoolean()
                                                        ? Channel.values()[random.nextInt(6)]
                                                        : null)
                                        .setProductCategory("coffee")
                                        .setEvidence(
                                                Evidence.newBuilder()
                                                        .setMethod(
                                                                EvidenceMethod.values()[
                                                                        random.nextInt(8)])
                                                        .setSource("web")
                                                        .setCapturedAt(Instant.ofEpochMilli(at))
                                                        .setOptOutOffered(random.nextBoolean())
                                                        .setOrigin(
                                                                DataOrigin.values()[
                                                                        random.nextInt(4)])
                                                        .build())
                                        .build()));
            }
        }
        return events;
    }
}
