package io.consentgate.demo;

import io.consentgate.demo.Catalog.Brand;
import io.consentgate.demo.Catalog.Region;
import io.consentgate.demo.Catalog.Tenant;
import io.consentgate.filter.SubjectKey;
import io.consentgate.schema.Category;
import io.consentgate.schema.Channel;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.ConsentEventType;
import io.consentgate.schema.ContentFacts;
import io.consentgate.schema.DataOrigin;
import io.consentgate.schema.Evidence;
import io.consentgate.schema.EvidenceMethod;
import io.consentgate.schema.PreferenceRegistry;
import io.consentgate.schema.RecipientType;
import io.consentgate.schema.SendRequest;
import io.consentgate.schema.SuppressionKind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import org.apache.avro.io.BinaryEncoder;
import org.apache.avro.io.EncoderFactory;
import org.apache.avro.specific.SpecificDatumWriter;
import org.apache.avro.specific.SpecificRecord;

/**
 * An endless, deterministic stream of input records for the filter: first every subject's consent
 * history (event times before {@link Config#startMillis}, in event-time order), then sends at
 * {@link Config#sendsPerSecond} of event time, interleaved with live consent events, duplicate
 * sends, a few late consent events and a few corrupt records.
 *
 * <p>The same {@link Config} gives the same records in the same order, byte for byte: event times
 * come from the configured start and rate, never from the clock. Nothing here touches Kafka; a
 * producer or a benchmark paces and writes the records (the schema ids in the config are only used
 * to build corrupt records that look like real ones).
 *
 * <p>Subject ids are pseudonymous ({@code sub-<16 hex>}); no field ever holds an address, a phone
 * number or a name. Not thread-safe; {@link #counters()} may be read from any thread.
 */
public final class TrafficGenerator implements Iterator<GeneratedRecord> {

    /** The schema id of corrupt {@link Corruption#UNKNOWN_SCHEMA_ID} records; never registered. */
    public static final int UNKNOWN_SCHEMA_ID = 987_654_321;

    private static final long MINUTE_MS = 60_000L;
    private static final long DAY_MS = 86_400_000L;
    private static final long MONTH_MS = 2_629_746_000L; // 1/12 of a Gregorian year

    /** Duplicates repeat one of this many recent sends. */
    private static final int RECENT_SENDS = 2_048;

    /** Late events aim at a sample of this many sends spread over the last minute or so. */
    private static final int LATE_TARGETS = 1_024;

    /** A late consent event is at least this far behind the newest send. */
    private static final long LATE_MIN_MS = 15_000L;

    /**
     * What to generate.
     *
     * @param seed every random choice derives from it
     * @param subjects how many subjects (spread over the tenants)
     * @param startMillis event time of the first send; the history lies before it
     * @param sendsPerSecond sends per second of event time
     * @param corruptFraction fraction of records replaced by corrupt bytes
     * @param lateFraction fraction of live consent events that are late
     * @param duplicateFraction fraction of sends that repeat a recent message id
     * @param consentEventsPerSend live consent events per send
     * @param sendsSchemaId the registry id of SendRequest (for realistic corrupt records)
     * @param consentSchemaId the registry id of ConsentEvent
     */
    public record Config(
            long seed,
            int subjects,
            long startMillis,
            double sendsPerSecond,
            double corruptFraction,
            double lateFraction,
            double duplicateFraction,
            double consentEventsPerSend,
            int sendsSchemaId,
            int consentSchemaId) {

        public Config {
            if (subjects < 1) {
                throw new IllegalArgumentException("subjects must be at least 1");
            }
            if (!(sendsPerSecond > 0)) {
                throw new IllegalArgumentException("sendsPerSecond must be positive");
            }
            fraction("corruptFraction", corruptFraction);
            fraction("lateFraction", lateFraction);
            fraction("duplicateFraction", duplicateFraction);
            if (consentEventsPerSend < 0 || consentEventsPerSend > 10) {
                throw new IllegalArgumentException("consentEventsPerSend must be in [0, 10]");
            }
        }

        private static void fraction(String name, double v) {
            if (!(v >= 0 && v <= 1)) {
                throw new IllegalArgumentException(name + " must be in [0, 1]");
            }
        }

        /**
         * Defaults: 10,000 subjects, 1,000 sends/s, 0.1 live consent events per send, 0.1% corrupt,
         * 1% late consent events, 1% duplicate sends; schema ids 1 and 2.
         */
        public static Config defaults(long seed, long startMillis) {
            return new Config(seed, 10_000, startMillis, 1_000, 0.001, 0.01, 0.01, 0.1, 1, 2);
        }

        public Config withSubjects(int n) {
            return new Config(
                    seed,
                    n,
                    startMillis,
                    sendsPerSecond,
                    corruptFraction,
                    lateFraction,
                    duplicateFraction,
                    consentEventsPerSend,
                    sendsSchemaId,
                    consentSchemaId);
        }

        public Config withSendsPerSecond(double rate) {
            return new Config(
                    seed,
                    subjects,
                    startMillis,
                    rate,
                    corruptFraction,
                    lateFraction,
                    duplicateFraction,
                    consentEventsPerSend,
                    sendsSchemaId,
                    consentSchemaId);
        }

        public Config withCorruptFraction(double f) {
            return new Config(
                    seed,
                    subjects,
                    startMillis,
                    sendsPerSecond,
                    f,
                    lateFraction,
                    duplicateFraction,
                    consentEventsPerSend,
                    sendsSchemaId,
                    consentSchemaId);
        }

        public Config withLateFraction(double f) {
            return new Config(
                    seed,
                    subjects,
                    startMillis,
                    sendsPerSecond,
                    corruptFraction,
                    f,
                    duplicateFraction,
                    consentEventsPerSend,
                    sendsSchemaId,
                    consentSchemaId);
        }

        public Config withDuplicateFraction(double f) {
            return new Config(
                    seed,
                    subjects,
                    startMillis,
                    sendsPerSecond,
                    corruptFraction,
                    lateFraction,
                    f,
                    consentEventsPerSend,
                    sendsSchemaId,
                    consentSchemaId);
        }

        public Config withSchemaIds(int sendsId, int consentId) {
            return new Config(
                    seed,
                    subjects,
                    startMillis,
                    sendsPerSecond,
                    corruptFraction,
                    lateFraction,
                    duplicateFraction,
                    consentEventsPerSend,
                    sendsId,
                    consentId);
        }
    }

    /** What has been generated so far; safe to read from other threads. */
    public static final class Counters {
        private final Map<TopicKind, AtomicLong> records = new EnumMap<>(TopicKind.class);
        private final Map<TopicKind, AtomicLong> corrupt = new EnumMap<>(TopicKind.class);
        private final AtomicLong history = new AtomicLong();
        private final AtomicLong late = new AtomicLong();
        private final AtomicLong duplicates = new AtomicLong();

        Counters() {
            for (TopicKind k : TopicKind.values()) {
                records.put(k, new AtomicLong());
                corrupt.put(k, new AtomicLong());
            }
        }

        void count(GeneratedRecord r) {
            records.get(r.topic()).incrementAndGet();
            if (r.corrupt()) {
                corrupt.get(r.topic()).incrementAndGet();
            }
            if (r.history()) {
                history.incrementAndGet();
            }
            if (r.late()) {
                late.incrementAndGet();
            }
            if (r.duplicate()) {
                duplicates.incrementAndGet();
            }
        }

        /** Records on the sends topic, corrupt ones included. */
        public long sends() {
            return records.get(TopicKind.SENDS).get();
        }

        /** Records on the consent topic (history, live, late), corrupt ones included. */
        public long consents() {
            return records.get(TopicKind.CONSENT).get();
        }

        public long records(TopicKind topic) {
            return records.get(topic).get();
        }

        public long corrupt(TopicKind topic) {
            return corrupt.get(topic).get();
        }

        /** Sends the filter must decide: sends minus corrupt sends. */
        public long validSends() {
            return sends() - corrupt(TopicKind.SENDS);
        }

        public long historyEvents() {
            return history.get();
        }

        public long lateConsents() {
            return late.get();
        }

        public long duplicateSends() {
            return duplicates.get();
        }
    }

    /** A subject's fixed attributes; its history is regenerated from {@code historySeed}. */
    private record Subject(
            int index,
            Tenant tenant,
            String id,
            byte[] key,
            Region region,
            String timeZone,
            RecipientType type,
            Brand homeBrand,
            String homeCategory,
            long historySeed) {}

    /** The next history event of one subject, ordered by time then subject index. */
    private record HistoryCursor(long time, int subject, int position) {}

    private final Config config;
    private final Subject[] subjects;
    private final PriorityQueue<HistoryCursor> history;
    private final SplittableRandom rng;
    private final ArrayDeque<GeneratedRecord> ready = new ArrayDeque<>();
    private final SendRequest[] recentSends = new SendRequest[RECENT_SENDS];
    private final SendRequest[] lateTargets = new SendRequest[LATE_TARGETS];
    private final int[] lateTargetSubjects = new int[LATE_TARGETS];
    private final long lateStride;
    private long lateTargetCount;
    private final Counters counters = new Counters();
    private final SpecificDatumWriter<SendRequest> sendWriter =
            new SpecificDatumWriter<>(SendRequest.class);
    private final SpecificDatumWriter<ConsentEvent> consentWriter =
            new SpecificDatumWriter<>(ConsentEvent.class);
    private final ByteArrayOutputStream buffer = new ByteArrayOutputStream(1024);
    private BinaryEncoder encoder;
    private long sendSlot;
    private long recentCount;

    public TrafficGenerator(Config config) {
        this.config = config;
        this.subjects = new Subject[config.subjects()];
        for (int i = 0; i < subjects.length; i++) {
            subjects[i] = subject(i);
        }
        this.history =
                new PriorityQueue<>(
                        Math.max(1, subjects.length),
                        Comparator.comparingLong(HistoryCursor::time)
                                .thenComparingInt(HistoryCursor::subject)
                                .thenComparingInt(HistoryCursor::position));
        for (Subject s : subjects) {
            List<ConsentEvent> h = history(s);
            if (!h.isEmpty()) {
                history.add(new HistoryCursor(millis(h.get(0).getOccurredAt()), s.index(), 0));
            }
        }
        this.rng = new SplittableRandom(mix(config.seed(), 0x6c697665L));
        // Every lateStride-th send is a late target: the sample spans about a minute of sends.
        this.lateStride =
                Math.max(1, (long) Math.ceil(config.sendsPerSecond() * 60 / LATE_TARGETS));
    }

    public Config config() {
        return config;
    }

    public Counters counters() {
        return counters;
    }

    /** True while the consent history (before the first send) is being generated. */
    public boolean inHistory() {
        return !history.isEmpty();
    }

    /** Event time of the send slot {@code n} (0-based). */
    public long sendTime(long n) {
        return config.startMillis() + (long) Math.floor(n * 1000.0 / config.sendsPerSecond());
    }

    /** Always true: the stream is endless; bound it by counters or event time. */
    @Override
    public boolean hasNext() {
        return true;
    }

    @Override
    public GeneratedRecord next() {
        if (ready.isEmpty()) {
            if (!history.isEmpty()) {
                ready.add(nextHistory());
            } else {
                liveStep();
            }
        }
        GeneratedRecord r = ready.poll();
        counters.count(r);
        return r;
    }

    /** This generator as a sequential, endless stream; bound it with {@code limit/takeWhile}. */
    public Stream<GeneratedRecord> stream() {
        return StreamSupport.stream(
                Spliterators.spliteratorUnknownSize(
                        this, Spliterator.ORDERED | Spliterator.NONNULL),
                false);
    }

    // ---- Subjects ----

    private Subject subject(int index) {
        SplittableRandom r = new SplittableRandom(mix(config.seed(), index));
        Tenant tenant = Catalog.TENANTS.get(r.nextInt(Catalog.TENANTS.size()));
        String id = "sub-" + hex(r.nextLong());
        Region region = Catalog.region(r);
        String tz = region.timeZone();
        if ((region.isUs() || region.isCa()) && r.nextDouble() < 0.02) {
            tz = r.nextBoolean() ? null : Catalog.pick(Catalog.BAD_TIME_ZONES, r);
        }
        double t = r.nextDouble();
        RecipientType type =
                t < 0.75
                        ? RecipientType.INDIVIDUAL
                        : t < 0.85 ? RecipientType.SOLE_TRADER : RecipientType.CORPORATE;
        Brand home = Catalog.pick(tenant.brands(), r);
        String category = Catalog.pick(home.categories(), r);
        return new Subject(
                index,
                tenant,
                id,
                SubjectKey.bytes(tenant.id(), id),
                region,
                tz,
                type,
                home,
                category,
                r.nextLong());
    }

    // ---- History ----

    private GeneratedRecord nextHistory() {
        HistoryCursor c = history.poll();
        Subject s = subjects[c.subject()];
        List<ConsentEvent> h = history(s);
        ConsentEvent e = h.get(c.position());
        if (c.position() + 1 < h.size()) {
            history.add(
                    new HistoryCursor(
                            millis(h.get(c.position() + 1).getOccurredAt()),
                            c.subject(),
                            c.position() + 1));
        }
        return consentRecord(s, e, true, false, rng);
    }

    /**
     * The subject's consent history before the first send, sorted by event time: a mix of valid and
     * flawed grants, relationships, refusals, suppressions, registry listings, ages, third-party
     * data and erasures. A pure function of the subject.
     */
    private List<ConsentEvent> history(Subject s) {
        SplittableRandom r = new SplittableRandom(s.historySeed());
        List<ConsentEvent> out = new ArrayList<>();
        Region g = s.region();

        if (s.type() == RecipientType.INDIVIDUAL && r.nextDouble() < 0.6) {
            boolean child = r.nextDouble() < 0.06;
            int age = child ? 10 + r.nextInt(7) : 18 + r.nextInt(62);
            long at = monthsAgo(r, 20, 36);
            LocalDate birth =
                    LocalDate.ofInstant(Instant.ofEpochMilli(config.startMillis()), ZoneOffset.UTC)
                            .minusYears(age)
                            .minusDays(r.nextInt(365));
            out.add(event(s, ConsentEventType.AGE_DECLARED, at, r).setBirthDate(birth).build());
            if (child && r.nextBoolean()) {
                out.add(
                        event(s, ConsentEventType.PARENTAL_CONSENT_GRANTED, at + DAY_MS, r)
                                .setEvidence(evidence(EvidenceMethod.WRITTEN_SIGNED, at, r))
                                .build());
            }
        }

        List<ConsentEvent> grants = new ArrayList<>();
        for (Channel c : Channel.values()) {
            if (r.nextDouble() < grantProbability(c)) {
                grants.add(grant(s, c, r));
            }
        }
        out.addAll(grants);

        boolean thirdParty = false;
        for (ConsentEvent gr : grants) {
            thirdParty |=
                    gr.getEvidence() != null
                            && gr.getEvidence().getOrigin() == DataOrigin.THIRD_PARTY;
        }
        if (thirdParty && r.nextDouble() < 0.5) {
            out.add(
                    event(s, ConsentEventType.ART14_NOTICE_GIVEN, monthsAgo(r, 0.5, 1), r)
                            .setBrand(s.homeBrand().id())
                            .build());
        }

        if (r.nextDouble() < 0.4) {
            long at = monthsAgo(r, 0.5, 30);
            out.add(relationship(s, ConsentEventType.PURCHASE, at, r));
        }
        if (r.nextDouble() < 0.15) {
            long at = monthsAgo(r, 0.5, 9);
            out.add(relationship(s, ConsentEventType.INQUIRY, at, r));
        }
        if (r.nextDouble() < 0.01) {
            out.add(
                    event(s, ConsentEventType.SERVICE_ENDED, monthsAgo(r, 0.5, 3), r)
                            .setBrand(s.homeBrand().id())
                            .build());
        }

        // Refusals come after the grant they answer.
        if (!grants.isEmpty()) {
            ConsentEvent gr = Catalog.pick(grants, r);
            long after = millis(gr.getOccurredAt());
            double x = r.nextDouble();
            if (x < 0.08) {
                out.add(
                        event(s, ConsentEventType.CONSENT_WITHDRAWN, between(r, after), r)
                                .setBrand(gr.getBrand())
                                .setChannel(gr.getChannel())
                                .setPurpose(gr.getPurpose())
                                .setEvidence(evidence(EvidenceMethod.UNTICKED_CHECKBOX, 0, r))
                                .build());
            } else if (x < 0.14) {
                out.add(optOut(s, gr.getChannel(), between(r, after), r));
            } else if (x < 0.16) {
                out.add(optOut(s, null, between(r, after), r));
            } else if (x < 0.19) {
                long at = between(r, after);
                out.add(event(s, ConsentEventType.OBJECTION, at, r).build());
                if (r.nextDouble() < 0.3) {
                    // A later, valid, explicit consent lifts the objection for its scope.
                    out.add(
                            validGrant(s, Channel.EMAIL, between(r, at), r)
                                    .setBrand(s.homeBrand().id())
                                    .build());
                }
            }
        }

        if (r.nextDouble() < 0.04) {
            SuppressionKind kind = SuppressionKind.values()[r.nextInt(3)];
            Channel ch = r.nextBoolean() ? Channel.EMAIL : Channel.SMS;
            long at = monthsAgo(r, 1, 20);
            out.add(
                    event(s, ConsentEventType.SUPPRESSION_ADDED, at, r)
                            .setChannel(ch)
                            .setSuppression(kind)
                            .build());
            if (r.nextDouble() < 0.4) {
                out.add(
                        event(s, ConsentEventType.SUPPRESSION_REMOVED, between(r, at), r)
                                .setChannel(ch)
                                .setSuppression(kind)
                                .build());
            }
        }

        PreferenceRegistry registry = registryFor(s);
        if (registry != null && r.nextDouble() < 0.12) {
            // Some listings are younger than the registry delay and not yet in force.
            long at = r.nextDouble() < 0.2 ? daysAgo(r, 1, 20) : monthsAgo(r, 2, 30);
            out.add(
                    event(s, ConsentEventType.REGISTRY_LISTED, at, r)
                            .setChannel(Channel.PHONE_CALL)
                            .setRegistry(registry)
                            .build());
            if (r.nextDouble() < 0.08) {
                out.add(
                        event(s, ConsentEventType.REGISTRY_DELISTED, between(r, at), r)
                                .setRegistry(registry)
                                .build());
            }
        }

        if (r.nextDouble() < 0.015) {
            long at = monthsAgo(r, 0.2, 0.5);
            out.add(event(s, ConsentEventType.ERASURE, at, r).build());
            if (r.nextDouble() < 0.3) {
                out.add(validGrant(s, Channel.EMAIL, between(r, at), r).build());
            }
        }

        out.sort(Comparator.comparing(ConsentEvent::getOccurredAt));
        return out;
    }

    private static double grantProbability(Channel c) {
        return switch (c) {
            case EMAIL -> 0.6;
            case SMS -> 0.35;
            case PUSH -> 0.3;
            case PHONE_CALL -> 0.2;
            case AUTOMATED_CALL -> 0.08;
            case POST -> 0.25;
        };
    }

    /** A grant for one channel: about three in four valid, the rest flawed in one way. */
    private ConsentEvent grant(Subject s, Channel c, SplittableRandom r) {
        double x = r.nextDouble();
        if (x < 0.72) {
            return validGrant(s, c, monthsAgo(r, 0.5, 22), r).build();
        }
        if (x < 0.78) {
            // Older than the 24-month refresh age (EU/GB): CONSENT_STALE.
            return validGrant(s, c, monthsAgo(r, 25, 34), r).build();
        }
        long at = monthsAgo(r, 0.5, 22);
        ConsentEvent.Builder b = scopedGrant(s, c, at, r);
        if (x < 0.83) {
            b.setEvidence(evidence(EvidenceMethod.PRE_TICKED, at, r));
        } else if (x < 0.87) {
            b.setEvidence(evidence(EvidenceMethod.INFERRED, at, r));
        } else if (x < 0.91) {
            // No proof of consent (GDPR Art 7(1)): missing evidence or capture time.
            b.setEvidence(
                    r.nextBoolean()
                            ? null
                            : Evidence.newBuilder(evidence(EvidenceMethod.UNTICKED_CHECKBOX, at, r))
                                    .setCapturedAt(null)
                                    .build());
        } else if (x < 0.93) {
            b.setEvidence(
                    Evidence.newBuilder(evidence(EvidenceMethod.DOUBLE_OPT_IN, at, r))
                            .setOrigin(DataOrigin.REFERRAL)
                            .build());
        } else if (x < 0.95) {
            b.setEvidence(
                    Evidence.newBuilder(evidence(EvidenceMethod.UNTICKED_CHECKBOX, at, r))
                            .setOrigin(DataOrigin.ACQUIRED_BUSINESS)
                            .build());
        } else if (x < 0.97) {
            // Collected before the GDPR, with a record: valid.
            b.setEvidence(evidence(EvidenceMethod.LEGACY_IMPORT, at, r));
        } else {
            // From a lead-generation partner: needs an Art 14 notice in EU/GB.
            b.setEvidence(
                    Evidence.newBuilder(evidence(bestMethod(s, c), at, r))
                            .setOrigin(DataOrigin.THIRD_PARTY)
                            .setSource("partner-import")
                            .build());
        }
        return b.build();
    }

    private ConsentEvent.Builder validGrant(Subject s, Channel c, long at, SplittableRandom r) {
        return scopedGrant(s, c, at, r).setEvidence(evidence(bestMethod(s, c), at, r));
    }

    private ConsentEvent.Builder scopedGrant(Subject s, Channel c, long at, SplittableRandom r) {
        ConsentEvent.Builder b = event(s, ConsentEventType.CONSENT_GRANTED, at, r).setChannel(c);
        if (r.nextDouble() < 0.7) {
            b.setBrand(s.homeBrand().id());
        }
        if (r.nextDouble() < 0.4) {
            b.setPurpose(Catalog.pick(Catalog.MARKETING_PURPOSES, r));
        }
        return b;
    }

    /** The method a careful sender would use; US SMS and robocalls sometimes lack a signature. */
    private static EvidenceMethod bestMethod(Subject s, Channel c) {
        return switch (c) {
            case EMAIL ->
                    (s.index() & 1) == 0
                            ? EvidenceMethod.DOUBLE_OPT_IN
                            : EvidenceMethod.UNTICKED_CHECKBOX;
            case SMS, AUTOMATED_CALL ->
                    s.region().isUs() && (s.index() % 5 != 0)
                            ? EvidenceMethod.ELECTRONIC_SIGNATURE
                            : EvidenceMethod.UNTICKED_CHECKBOX;
            case PHONE_CALL -> EvidenceMethod.VERBAL_RECORDED;
            case PUSH -> EvidenceMethod.UNTICKED_CHECKBOX;
            case POST -> EvidenceMethod.WRITTEN_SIGNED;
        };
    }

    private Evidence evidence(EvidenceMethod method, long capturedAt, SplittableRandom r) {
        return Evidence.newBuilder()
                .setMethod(method)
                .setSource(Catalog.pick(Catalog.CONSENT_SOURCES, r))
                .setCapturedAt(Instant.ofEpochMilli(capturedAt > 0 ? capturedAt : 1))
                .setWordingVersion(Catalog.pick(Catalog.WORDING_VERSIONS, r))
                .setOptOutOffered(r.nextDouble() < 0.9)
                .setOrigin(DataOrigin.DIRECT)
                .build();
    }

    /** A purchase or inquiry, with or without the opt-out offered at collection. */
    private ConsentEvent relationship(
            Subject s, ConsentEventType type, long at, SplittableRandom r) {
        Brand brand = r.nextDouble() < 0.8 ? s.homeBrand() : Catalog.pick(s.tenant().brands(), r);
        String category =
                brand == s.homeBrand() && r.nextDouble() < 0.8
                        ? s.homeCategory()
                        : Catalog.pick(brand.categories(), r);
        Evidence ev =
                Evidence.newBuilder()
                        .setMethod(null)
                        .setSource(type == ConsentEventType.PURCHASE ? "checkout" : "contact-form")
                        .setCapturedAt(Instant.ofEpochMilli(at))
                        .setWordingVersion(null)
                        .setOptOutOffered(r.nextDouble() < 0.75)
                        .setOrigin(
                                r.nextDouble() < 0.9
                                        ? DataOrigin.DIRECT
                                        : DataOrigin.ACQUIRED_BUSINESS)
                        .build();
        return event(s, type, at, r)
                .setBrand(r.nextDouble() < 0.9 ? brand.id() : null)
                .setProductCategory(category)
                .setEvidence(ev)
                .build();
    }

    /** An opt-out; for SMS it is a STOP reply, for email an unsubscribe link. */
    private ConsentEvent optOut(Subject s, Channel channel, long at, SplittableRandom r) {
        String source =
                channel == Channel.SMS
                        ? "sms-keyword-stop"
                        : channel == Channel.EMAIL ? "unsubscribe-link" : "preference-centre";
        return event(s, ConsentEventType.OPT_OUT, at, r)
                .setChannel(channel)
                .setEvidence(
                        Evidence.newBuilder()
                                .setMethod(null)
                                .setSource(source)
                                .setCapturedAt(Instant.ofEpochMilli(at))
                                .setWordingVersion(null)
                                .setOptOutOffered(false)
                                .setOrigin(DataOrigin.DIRECT)
                                .build())
                .build();
    }

    private static PreferenceRegistry registryFor(Subject s) {
        if (s.region().isGb()) {
            return s.type() == RecipientType.CORPORATE
                    ? PreferenceRegistry.CTPS
                    : PreferenceRegistry.TPS;
        }
        if (s.region().isUs() || s.region().isCa()) {
            return PreferenceRegistry.NATIONAL_DNC;
        }
        return null;
    }

    private ConsentEvent.Builder event(
            Subject s, ConsentEventType type, long at, SplittableRandom r) {
        return ConsentEvent.newBuilder()
                .setEventId("evt-" + hex(r.nextLong()))
                .setTenantId(s.tenant().id())
                .setSubjectId(s.id())
                .setType(type)
                .setOccurredAt(Instant.ofEpochMilli(at));
    }

    // ---- Live traffic ----

    /** Queues one send slot, preceded by the live consent events due before it. */
    private void liveStep() {
        long now = sendTime(sendSlot);
        double expected = config.consentEventsPerSend();
        while (expected > 0 && rng.nextDouble() < Math.min(1.0, expected)) {
            expected -= 1;
            if (lateTargetCount > 0 && rng.nextDouble() < config.lateFraction()) {
                GeneratedRecord late = lateConsent(now);
                if (late != null) {
                    ready.add(late);
                    continue;
                }
            }
            Subject s = pickSubject();
            ready.add(consentRecord(s, liveConsent(s, now), false, false, rng));
        }
        ready.add(nextSend(now));
        sendSlot++;
    }

    private GeneratedRecord nextSend(long now) {
        boolean duplicate = recentCount > 0 && rng.nextDouble() < config.duplicateFraction();
        SendRequest send;
        if (duplicate) {
            // The same message id again (a retry upstream): BLOCK DUPLICATE_SEND.
            SendRequest earlier =
                    recentSends[rng.nextInt((int) Math.min(recentCount, RECENT_SENDS))];
            send =
                    SendRequest.newBuilder(earlier)
                            .setRequestedAt(Instant.ofEpochMilli(now))
                            .build();
        } else {
            Subject s = pickSubject();
            send = send(s, now);
            recentSends[(int) (recentCount++ % RECENT_SENDS)] = send;
            if (recentCount % lateStride == 0) {
                int slot = (int) (lateTargetCount++ % LATE_TARGETS);
                lateTargets[slot] = send;
                lateTargetSubjects[slot] = s.index();
            }
        }
        byte[] key = SubjectKey.bytes(send.getTenantId(), send.getSubjectId());
        if (rng.nextDouble() < config.corruptFraction()) {
            Corruption c = Corruption.values()[rng.nextInt(Corruption.values().length)];
            return new GeneratedRecord(
                    TopicKind.SENDS,
                    key,
                    null,
                    corrupt(c, send, config.sendsSchemaId()),
                    c,
                    now,
                    false,
                    false,
                    duplicate);
        }
        return new GeneratedRecord(
                TopicKind.SENDS, key, send, null, null, now, false, false, duplicate);
    }

    private Subject pickSubject() {
        // A twentieth of the subjects gets a fifth of the traffic (active customers).
        int n = subjects.length;
        return rng.nextDouble() < 0.2
                ? subjects[rng.nextInt(Math.max(1, n / 20))]
                : subjects[rng.nextInt(n)];
    }

    private SendRequest send(Subject s, long now) {
        SplittableRandom r = rng;
        Brand brand = r.nextDouble() < 0.75 ? s.homeBrand() : Catalog.pick(s.tenant().brands(), r);
        Channel channel = channel(r);
        boolean service = r.nextDouble() < 0.2;
        boolean promo = !service || r.nextDouble() < 0.05;
        boolean electronic =
                channel == Channel.EMAIL || channel == Channel.SMS || channel == Channel.PUSH;
        boolean firstContact = !service && r.nextDouble() < 0.08;
        ContentFacts content =
                ContentFacts.newBuilder()
                        .setSenderIdentified(r.nextDouble() < 0.98)
                        .setUnsubscribe(electronic && (service || r.nextDouble() < 0.96))
                        .setOneClickUnsubscribe(channel == Channel.EMAIL && r.nextDouble() < 0.7)
                        .setFirstContact(firstContact)
                        .setObjectionNotice(firstContact ? r.nextDouble() < 0.85 : r.nextBoolean())
                        .setContainsPromotion(promo)
                        .build();
        String category =
                brand == s.homeBrand() && r.nextDouble() < 0.7
                        ? s.homeCategory()
                        : Catalog.pick(brand.categories(), r);
        String purpose =
                Catalog.pick(service ? Catalog.SERVICE_PURPOSES : Catalog.MARKETING_PURPOSES, r);
        String campaign =
                service ? null : "cmp-" + s.tenant().shortName() + "-" + (100 + r.nextInt(40));
        return SendRequest.newBuilder()
                .setMessageId("msg-" + hex(r.nextLong()))
                .setTenantId(s.tenant().id())
                .setBrand(brand.id())
                .setSubjectId(s.id())
                .setChannel(channel)
                .setCategory(service ? Category.SERVICE : Category.MARKETING)
                .setPurpose(purpose)
                .setProductCategory(category)
                .setJurisdiction(s.region().jurisdiction())
                .setRecipientType(s.type())
                .setTimeZone(s.timeZone())
                .setContent(content)
                .setRequestedAt(Instant.ofEpochMilli(now))
                .setCampaignId(campaign)
                .setPayload(ByteBuffer.wrap(payload(brand, channel, purpose, category, r)))
                .build();
    }

    private static Channel channel(SplittableRandom r) {
        double x = r.nextDouble();
        if (x < 0.40) {
            return Channel.EMAIL;
        }
        if (x < 0.60) {
            return Channel.SMS;
        }
        if (x < 0.75) {
            return Channel.PUSH;
        }
        if (x < 0.85) {
            return Channel.PHONE_CALL;
        }
        if (x < 0.90) {
            return Channel.AUTOMATED_CALL;
        }
        return Channel.POST;
    }

    private static final String[] COPY = {
        "Fresh picks selected for you this week.",
        "Your saved items are back in stock in more sizes.",
        "Members get early access before the public sale starts.",
        "Upgrade today and keep your current number and plan history.",
        "Weekend deals end Sunday at midnight local time.",
        "We have updated the terms of your plan; nothing changes for you today.",
        "Rate your recent experience in two short questions.",
        "Your booking details and check-in times are ready.",
    };

    /**
     * What a delivery system would need to render the message: a template reference, variables and
     * copy. Opaque to the filter; no address or name inside.
     */
    private static byte[] payload(
            Brand brand, Channel channel, String purpose, String category, SplittableRandom r) {
        StringBuilder sb = new StringBuilder(700);
        sb.append("{\"template\":\"")
                .append(brand.id())
                .append('/')
                .append(purpose)
                .append("-v")
                .append(1 + r.nextInt(9))
                .append("\",\"channel\":\"")
                .append(channel)
                .append("\",\"locale\":\"")
                .append(r.nextBoolean() ? "en" : "de")
                .append("\",\"vars\":{\"offerCode\":\"")
                .append(hex(r.nextLong()).substring(0, 8).toUpperCase(java.util.Locale.ROOT))
                .append("\",\"category\":\"")
                .append(category)
                .append("\",\"items\":[");
        int items = 1 + r.nextInt(5);
        for (int i = 0; i < items; i++) {
            if (i > 0) {
                sb.append(',');
            }
            sb.append("{\"sku\":\"SKU-")
                    .append(10_000 + r.nextInt(90_000))
                    .append("\",\"priceCents\":")
                    .append(499 + r.nextInt(50_000))
                    .append('}');
        }
        sb.append("]},\"copy\":\"");
        int sentences = 1 + r.nextInt(4);
        for (int i = 0; i < sentences; i++) {
            sb.append(COPY[r.nextInt(COPY.length)]).append(' ');
        }
        sb.append("\",\"tracking\":\"trk-").append(hex(r.nextLong())).append("\"}");
        return sb.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** A consent event happening now: new grants, STOP replies, purchases, suppressions... */
    private ConsentEvent liveConsent(Subject s, long now) {
        SplittableRandom r = rng;
        double x = r.nextDouble();
        if (x < 0.28) {
            Channel c = channel(r);
            return validGrant(s, c, now, r).build();
        }
        if (x < 0.33) {
            // A flawed grant (pre-ticked, inferred, no evidence...) arriving now.
            return ConsentEvent.newBuilder(grant(s, channel(r), r))
                    .setOccurredAt(Instant.ofEpochMilli(now))
                    .build();
        }
        if (x < 0.45) {
            return optOut(s, Channel.SMS, now, r);
        }
        if (x < 0.55) {
            return optOut(s, Channel.EMAIL, now, r);
        }
        if (x < 0.57) {
            return optOut(s, null, now, r);
        }
        if (x < 0.65) {
            return event(s, ConsentEventType.CONSENT_WITHDRAWN, now, r)
                    .setBrand(s.homeBrand().id())
                    .setChannel(channel(r))
                    .build();
        }
        if (x < 0.68) {
            return event(s, ConsentEventType.OBJECTION, now, r).build();
        }
        if (x < 0.83) {
            return relationship(s, ConsentEventType.PURCHASE, now, r);
        }
        if (x < 0.88) {
            return relationship(s, ConsentEventType.INQUIRY, now, r);
        }
        if (x < 0.92) {
            Channel ch = r.nextBoolean() ? Channel.EMAIL : Channel.SMS;
            return event(
                            s,
                            r.nextDouble() < 0.7
                                    ? ConsentEventType.SUPPRESSION_ADDED
                                    : ConsentEventType.SUPPRESSION_REMOVED,
                            now,
                            r)
                    .setChannel(ch)
                    .setSuppression(SuppressionKind.values()[r.nextInt(3)])
                    .build();
        }
        PreferenceRegistry registry = registryFor(s);
        if (x < 0.94 && registry != null) {
            return event(
                            s,
                            r.nextDouble() < 0.8
                                    ? ConsentEventType.REGISTRY_LISTED
                                    : ConsentEventType.REGISTRY_DELISTED,
                            now,
                            r)
                    .setRegistry(registry)
                    .build();
        }
        if (x < 0.96) {
            return event(s, ConsentEventType.ART14_NOTICE_GIVEN, now, r)
                    .setBrand(s.homeBrand().id())
                    .build();
        }
        if (x < 0.975) {
            LocalDate birth =
                    LocalDate.ofInstant(Instant.ofEpochMilli(now), ZoneOffset.UTC)
                            .minusYears(11 + r.nextInt(60))
                            .minusDays(r.nextInt(365));
            return event(s, ConsentEventType.AGE_DECLARED, now, r).setBirthDate(birth).build();
        }
        if (x < 0.99) {
            return event(s, ConsentEventType.PARENTAL_CONSENT_GRANTED, now, r)
                    .setEvidence(evidence(EvidenceMethod.WRITTEN_SIGNED, now, r))
                    .build();
        }
        return event(s, ConsentEventType.ERASURE, now, r).build();
    }

    /**
     * A refusal for the subject of a recent send, dated just before that send: it arrives after the
     * filter decided the send, so if the send was allowed, the filter raises a retroactive
     * violation. Null when no send is old enough yet.
     */
    private GeneratedRecord lateConsent(long now) {
        int n = (int) Math.min(lateTargetCount, LATE_TARGETS);
        int slot = rng.nextInt(n);
        SendRequest target = lateTargets[slot];
        long sentAt = millis(target.getRequestedAt());
        if (now - sentAt < LATE_MIN_MS) {
            return null;
        }
        long at = sentAt - 1_000 - rng.nextInt(4_000);
        Subject s = subjects[lateTargetSubjects[slot]];
        ConsentEvent e;
        double x = rng.nextDouble();
        if (x < 0.5) {
            e = optOut(s, target.getChannel(), at, rng);
        } else if (x < 0.8) {
            e =
                    event(s, ConsentEventType.CONSENT_WITHDRAWN, at, rng)
                            .setBrand(target.getBrand())
                            .setChannel(target.getChannel())
                            .build();
        } else {
            e = event(s, ConsentEventType.OBJECTION, at, rng).build();
        }
        return consentRecord(s, e, false, true, rng);
    }

    private GeneratedRecord consentRecord(
            Subject s, ConsentEvent e, boolean history, boolean late, SplittableRandom r) {
        long at = millis(e.getOccurredAt());
        if (r.nextDouble() < config.corruptFraction()) {
            Corruption c = Corruption.values()[r.nextInt(Corruption.values().length)];
            return new GeneratedRecord(
                    TopicKind.CONSENT,
                    s.key(),
                    null,
                    corrupt(c, e, config.consentSchemaId()),
                    c,
                    at,
                    history,
                    late,
                    false);
        }
        return new GeneratedRecord(
                TopicKind.CONSENT, s.key(), e, null, null, at, history, late, false);
    }

    // ---- Corrupt records ----

    private byte[] corrupt(Corruption c, SpecificRecord record, int schemaId) {
        return switch (c) {
            case BAD_MAGIC_BYTE -> {
                byte[] b = confluent(record, schemaId);
                b[0] = 1;
                yield b;
            }
            case TRUNCATED_AVRO -> {
                byte[] b = confluent(record, schemaId);
                int body = b.length - 5;
                yield java.util.Arrays.copyOf(b, 5 + Math.max(1, body / 2));
            }
            case UNKNOWN_SCHEMA_ID -> confluent(record, UNKNOWN_SCHEMA_ID);
            case GARBAGE ->
                    ("{\"error\":\"serializer misconfigured\",\"ref\":\""
                                    + hex(rng.nextLong())
                                    + "\"}")
                            .getBytes(StandardCharsets.UTF_8);
        };
    }

    /** Magic byte 0, the schema id (big-endian), Avro binary. */
    @SuppressWarnings("unchecked")
    private byte[] confluent(SpecificRecord record, int schemaId) {
        buffer.reset();
        buffer.write(0);
        buffer.write(schemaId >>> 24);
        buffer.write(schemaId >>> 16);
        buffer.write(schemaId >>> 8);
        buffer.write(schemaId);
        encoder = EncoderFactory.get().directBinaryEncoder(buffer, encoder);
        try {
            if (record instanceof SendRequest send) {
                sendWriter.write(send, encoder);
            } else {
                consentWriter.write((ConsentEvent) record, encoder);
            }
            encoder.flush();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return buffer.toByteArray();
    }

    // ---- Time and ids ----

    private long monthsAgo(SplittableRandom r, double minMonths, double maxMonths) {
        double m = minMonths + r.nextDouble() * (maxMonths - minMonths);
        return config.startMillis() - (long) (m * MONTH_MS);
    }

    private long daysAgo(SplittableRandom r, int min, int max) {
        return config.startMillis() - (min + r.nextInt(max - min + 1)) * DAY_MS;
    }

    /** A time after {@code after} and before the first send (at least a minute before it). */
    private long between(SplittableRandom r, long after) {
        long end = config.startMillis() - MINUTE_MS;
        if (after >= end) {
            return end;
        }
        return after + 1 + (long) (r.nextDouble() * (end - after - 1));
    }

    private static long millis(Instant i) {
        return i.toEpochMilli();
    }

    private static String hex(long v) {
        String h = Long.toHexString(v);
        return "0".repeat(16 - h.length()) + h;
    }

    /** SplitMix64 finalizer over a seed and an index: independent streams per subject. */
    private static long mix(long seed, long index) {
        long z = seed + 0x9E3779B97F4A7C15L * (index + 1);
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
