package io.consentgate.demo;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgate.filter.SubjectKey;
import io.consentgate.schema.Category;
import io.consentgate.schema.Channel;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.ConsentEventType;
import io.consentgate.schema.DataOrigin;
import io.consentgate.schema.EvidenceMethod;
import io.consentgate.schema.PreferenceRegistry;
import io.consentgate.schema.RecipientType;
import io.consentgate.schema.SendRequest;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.avro.Schema;
import org.apache.avro.specific.SpecificRecord;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TrafficGeneratorTest {
    private static final long START = Instant.parse("2025-06-02T09:00:00Z").toEpochMilli();
    private static final long SENDS = 60_000;

    /** Looks like an e-mail address or a phone number. */
    private static final Pattern ADDRESS =
            Pattern.compile("[^\\s\"@]+@[^\\s\"@]+\\.[A-Za-z]{2,}|\\+\\d{6,}|^\\d[\\d ()-]{6,}$");

    private static List<GeneratedRecord> records;
    private static TrafficGenerator generator;

    private static TrafficGenerator.Config config(long seed) {
        return TrafficGenerator.Config.defaults(seed, START)
                .withSubjects(2_000)
                .withSendsPerSecond(2_000)
                .withCorruptFraction(0.01)
                .withLateFraction(0.05)
                .withSchemaIds(7, 8);
    }

    @BeforeAll
    static void generate() {
        generator = new TrafficGenerator(config(42));
        records = new ArrayList<>();
        while (generator.counters().sends() < SENDS) {
            records.add(generator.next());
        }
    }

    @Test
    void sameSeedGivesTheSameRecordsAndAnotherSeedDoesNot() {
        TrafficGenerator again = new TrafficGenerator(config(42));
        TrafficGenerator other = new TrafficGenerator(config(43));
        int differences = 0;
        for (int i = 0; i < 20_000; i++) {
            GeneratedRecord a = records.get(i);
            GeneratedRecord b = again.next();
            assertThat(b.topic()).isEqualTo(a.topic());
            assertThat(b.key()).isEqualTo(a.key());
            assertThat(b.value()).isEqualTo(a.value());
            assertThat(b.corruptValue()).isEqualTo(a.corruptValue());
            assertThat(b.eventTimeMillis()).isEqualTo(a.eventTimeMillis());
            assertThat(List.of(b.history(), b.late(), b.duplicate()))
                    .isEqualTo(List.of(a.history(), a.late(), a.duplicate()));
            GeneratedRecord c = other.next();
            if (!c.topic().equals(a.topic()) || !java.util.Objects.equals(c.value(), a.value())) {
                differences++;
            }
        }
        assertThat(differences).isGreaterThan(19_000);
    }

    @Test
    void sendsCoverEveryChannelCategoryRecipientTypeAndJurisdictionGroup() {
        Set<Channel> channels = EnumSet.noneOf(Channel.class);
        Set<Category> categories = EnumSet.noneOf(Category.class);
        Set<RecipientType> types = EnumSet.noneOf(RecipientType.class);
        Set<String> countries = new HashSet<>();
        Set<String> zones = new HashSet<>();
        for (SendRequest s : sends()) {
            channels.add(s.getChannel());
            categories.add(s.getCategory());
            types.add(s.getRecipientType());
            countries.add(s.getJurisdiction().split("-")[0]);
            zones.add(String.valueOf(s.getTimeZone()));
        }
        assertThat(channels).containsExactlyInAnyOrder(Channel.values());
        assertThat(categories).containsExactlyInAnyOrder(Category.values());
        assertThat(types).containsExactlyInAnyOrder(RecipientType.values());
        assertThat(countries).contains("GB", "DE", "FR", "IE", "US", "CA", "AU");
        assertThat(zones)
                .contains(
                        "Europe/London",
                        "America/New_York",
                        "America/St_Johns",
                        "Pacific/Honolulu",
                        "null",
                        "EST");
    }

    @Test
    void consentEventsCoverEveryTypeAndTheFlawsTheRulesLookFor() {
        Set<ConsentEventType> types = EnumSet.noneOf(ConsentEventType.class);
        Set<EvidenceMethod> methods = EnumSet.noneOf(EvidenceMethod.class);
        Set<DataOrigin> origins = EnumSet.noneOf(DataOrigin.class);
        Set<PreferenceRegistry> registries = EnumSet.noneOf(PreferenceRegistry.class);
        boolean noEvidence = false;
        boolean noCaptureTime = false;
        boolean stale = false;
        boolean child = false;
        boolean stop = false;
        boolean relationshipWithoutOptOut = false;
        LocalDate startDate = LocalDate.ofInstant(Instant.ofEpochMilli(START), ZoneOffset.UTC);
        for (ConsentEvent e : consents()) {
            types.add(e.getType());
            if (e.getRegistry() != null) {
                registries.add(e.getRegistry());
            }
            if (e.getEvidence() != null) {
                if (e.getEvidence().getMethod() != null) {
                    methods.add(e.getEvidence().getMethod());
                }
                origins.add(e.getEvidence().getOrigin());
            }
            if (e.getType() == ConsentEventType.CONSENT_GRANTED) {
                noEvidence |= e.getEvidence() == null;
                noCaptureTime |= e.getEvidence() != null && e.getEvidence().getCapturedAt() == null;
                stale |=
                        e.getOccurredAt()
                                .isBefore(
                                        Instant.ofEpochMilli(START)
                                                .minus(java.time.Duration.ofDays(760)));
            }
            if (e.getType() == ConsentEventType.AGE_DECLARED) {
                child |= Period.between(e.getBirthDate(), startDate).getYears() < 13;
            }
            if (e.getType() == ConsentEventType.OPT_OUT && e.getChannel() == Channel.SMS) {
                stop |= "sms-keyword-stop".equals(e.getEvidence().getSource());
            }
            if (e.getType() == ConsentEventType.PURCHASE
                    || e.getType() == ConsentEventType.INQUIRY) {
                relationshipWithoutOptOut |= !e.getEvidence().getOptOutOffered();
            }
        }
        assertThat(types).containsExactlyInAnyOrder(ConsentEventType.values());
        assertThat(methods).containsExactlyInAnyOrder(EvidenceMethod.values());
        assertThat(origins).containsExactlyInAnyOrder(DataOrigin.values());
        assertThat(registries).containsExactlyInAnyOrder(PreferenceRegistry.values());
        assertThat(
                        List.of(
                                noEvidence,
                                noCaptureTime,
                                stale,
                                child,
                                stop,
                                relationshipWithoutOptOut))
                .containsOnly(true);
    }

    @Test
    void duplicatesLateEventsAndEveryCorruptionAreInTheMix() {
        TrafficGenerator.Counters c = generator.counters();
        assertThat(c.sends()).isEqualTo(SENDS);
        assertThat(c.duplicateSends()).isBetween(SENDS / 200, SENDS / 50);
        assertThat(c.lateConsents()).isPositive();
        assertThat(c.historyEvents()).isGreaterThan(2_000);
        Set<Corruption> corruptions = EnumSet.noneOf(Corruption.class);
        Set<TopicKind> corruptTopics = EnumSet.noneOf(TopicKind.class);
        long corrupt = 0;
        for (GeneratedRecord r : records) {
            if (r.corrupt()) {
                corrupt++;
                corruptions.add(r.corruption());
                corruptTopics.add(r.topic());
            }
        }
        assertThat(corruptions).containsExactlyInAnyOrder(Corruption.values());
        assertThat(corruptTopics).containsExactlyInAnyOrder(TopicKind.values());
        assertThat(corrupt)
                .isEqualTo(c.corrupt(TopicKind.SENDS) + c.corrupt(TopicKind.CONSENT))
                .isBetween((long) (records.size() * 0.005), (long) (records.size() * 0.02));
        assertThat(c.validSends()).isEqualTo(sends().size());
    }

    @Test
    void corruptRecordsAreBrokenTheWayTheySay() {
        for (GeneratedRecord r : records) {
            if (!r.corrupt()) {
                continue;
            }
            byte[] v = r.corruptValue();
            int id = v.length < 5 ? -1 : ByteBuffer.wrap(v, 1, 4).getInt();
            switch (r.corruption()) {
                case BAD_MAGIC_BYTE -> assertThat(v[0]).isNotEqualTo((byte) 0);
                case TRUNCATED_AVRO ->
                        assertThat(v[0] == 0 && id == (r.topic() == TopicKind.SENDS ? 7 : 8))
                                .isTrue();
                case UNKNOWN_SCHEMA_ID ->
                        assertThat(id).isEqualTo(TrafficGenerator.UNKNOWN_SCHEMA_ID);
                case GARBAGE -> assertThat(v[0]).isEqualTo((byte) '{');
            }
        }
    }

    @Test
    void eventTimesFollowTheStream() {
        long lastSend = Long.MIN_VALUE;
        for (GeneratedRecord r : records) {
            if (r.history()) {
                assertThat(r.eventTimeMillis()).isLessThan(START);
                assertThat(lastSend).isEqualTo(Long.MIN_VALUE);
            } else if (r.topic() == TopicKind.SENDS) {
                assertThat(r.eventTimeMillis()).isGreaterThanOrEqualTo(Math.max(START, lastSend));
                lastSend = r.eventTimeMillis();
            } else if (r.late()) {
                assertThat(r.eventTimeMillis())
                        .isLessThanOrEqualTo(generator.sendTime(0) + (lastSend - START) - 15_000);
            }
        }
        assertThat(lastSend).isEqualTo(generator.sendTime(SENDS - 1));
        assertThat(lastSend - START).isEqualTo((SENDS - 1) * 1000 / 2_000);
    }

    @Test
    void keysAreTheSubjectKeysTheFilterExpects() {
        for (GeneratedRecord r : records) {
            if (r.value() instanceof SendRequest s) {
                assertThat(r.key()).isEqualTo(SubjectKey.bytes(s.getTenantId(), s.getSubjectId()));
            } else if (r.value() instanceof ConsentEvent e) {
                assertThat(r.key()).isEqualTo(SubjectKey.bytes(e.getTenantId(), e.getSubjectId()));
            }
        }
    }

    @Test
    void noFieldHoldsAnAddressAndSubjectIdsArePseudonymous() {
        List<String> strings = new ArrayList<>();
        for (GeneratedRecord r : records) {
            strings.add(new String(r.key(), StandardCharsets.UTF_8));
            if (r.value() != null) {
                collect(r.value(), strings);
            }
            if (r.value() instanceof SendRequest s) {
                assertThat(s.getSubjectId()).matches("sub-[0-9a-f]{16}");
                assertThat(s.getMessageId()).matches("msg-[0-9a-f]{16}");
            } else if (r.value() instanceof ConsentEvent e) {
                assertThat(e.getSubjectId()).matches("sub-[0-9a-f]{16}");
            }
        }
        for (String s : strings) {
            assertThat(ADDRESS.matcher(s).find()).as(s).isFalse();
        }
    }

    @Test
    void sendsHaveRealisticSizes() {
        long total = 0;
        int n = 0;
        for (SendRequest s : sends()) {
            int payload = s.getPayload().remaining();
            assertThat(payload).isBetween(150, 1_500);
            total += payload;
            n++;
        }
        assertThat(total / n).isBetween(250L, 800L);
    }

    private static List<SendRequest> sends() {
        List<SendRequest> out = new ArrayList<>();
        for (GeneratedRecord r : records) {
            if (r.value() instanceof SendRequest s) {
                out.add(s);
            }
        }
        return out;
    }

    private static List<ConsentEvent> consents() {
        List<ConsentEvent> out = new ArrayList<>();
        for (GeneratedRecord r : records) {
            if (r.value() instanceof ConsentEvent e) {
                out.add(e);
            }
        }
        return out;
    }

    /** Every string and byte field, recursively, as text. */
    private static void collect(Object v, List<String> out) {
        if (v instanceof SpecificRecord r) {
            for (Schema.Field f : r.getSchema().getFields()) {
                collect(r.get(f.pos()), out);
            }
        } else if (v instanceof CharSequence cs) {
            out.add(cs.toString());
        } else if (v instanceof ByteBuffer b) {
            out.add(StandardCharsets.UTF_8.decode(b.duplicate()).toString());
        } else if (v instanceof Collection<?> c) {
            c.forEach(x -> collect(x, out));
        }
    }
}
