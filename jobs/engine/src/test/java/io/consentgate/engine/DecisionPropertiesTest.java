package io.consentgate.engine;

import static org.assertj.core.api.Assertions.assertThat;

import io.consentgate.schema.Basis;
import io.consentgate.schema.Category;
import io.consentgate.schema.Channel;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.ConsentEventType;
import io.consentgate.schema.ContentFacts;
import io.consentgate.schema.DataOrigin;
import io.consentgate.schema.Evidence;
import io.consentgate.schema.EvidenceMethod;
import io.consentgate.schema.PreferenceRegistry;
import io.consentgate.schema.Reason;
import io.consentgate.schema.RecipientType;
import io.consentgate.schema.SendRequest;
import io.consentgate.schema.SuppressionKind;
import io.consentgate.schema.Verdict;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/** Invariants of decide() over random histories and sends. */
class DecisionPropertiesTest {
    private static final long START = Instant.parse("2024-01-01T00:00:00Z").toEpochMilli();
    private static final long SPAN = 3L * 365 * 86_400_000L;
    private final Policy policy = Policy.defaultPolicy();

    @Property(tries = 2000)
    void allowAlwaysHasABasisAndBlockOrDeferNever(
            @ForAll("histories") List<ConsentEvent> history, @ForAll("sends") SendRequest send) {
        Decision d = DecisionEngine.decide(send, ledgerOf(history), policy);
        if (d.verdict() == Verdict.ALLOW) {
            assertThat(d.basis()).isNotEqualTo(Basis.NONE);
            assertThat(d.reasons()).isEmpty();
        } else {
            assertThat(d.basis()).isEqualTo(Basis.NONE);
            assertThat(d.reasons()).isNotEmpty();
        }
        assertThat(d.notBefore() >= 0).isEqualTo(d.verdict() == Verdict.DEFER);
        if (d.verdict() == Verdict.DEFER) {
            assertThat(d.reasons()).containsExactly(Reason.QUIET_HOURS);
            assertThat(d.notBefore()).isGreaterThan(send.getRequestedAt().toEpochMilli());
        }
    }

    @Property(tries = 2000)
    void objectionOrGlobalOptOutInForceAlwaysBlocksMarketing(
            @ForAll("histories") List<ConsentEvent> history,
            @ForAll("sends") SendRequest send,
            @ForAll boolean objection) {
        send.setCategory(Category.MARKETING);
        List<ConsentEvent> withRefusal = new ArrayList<>(history);
        withRefusal.add(
                ConsentEvent.newBuilder()
                        .setEventId("refusal")
                        .setTenantId("t")
                        .setSubjectId("s")
                        .setType(objection ? ConsentEventType.OBJECTION : ConsentEventType.OPT_OUT)
                        .setOccurredAt(Instant.ofEpochMilli(START + SPAN))
                        .build());
        send.setRequestedAt(Instant.ofEpochMilli(START + SPAN + 1));
        Decision d = DecisionEngine.decide(send, ledgerOf(withRefusal), policy);
        assertThat(d.verdict()).isEqualTo(Verdict.BLOCK);
        assertThat(d.reasons())
                .containsAnyOf(Reason.DM_OBJECTION, Reason.OPTED_OUT, Reason.SUBJECT_ERASED);
    }

    @Property(tries = 1000)
    void primaryReasonIsTheHighestPrecedenceFailingRule(
            @ForAll("histories") List<ConsentEvent> history, @ForAll("sends") SendRequest send) {
        Decision d = DecisionEngine.decide(send, ledgerOf(history), policy);
        List<Reason> sorted = new ArrayList<>(d.reasons());
        sorted.sort(Comparator.naturalOrder());
        assertThat(d.reasons()).isEqualTo(sorted).doesNotHaveDuplicates();
        if (!d.reasons().isEmpty()) {
            assertThat(d.primaryReason()).isEqualTo(sorted.get(0));
        }
    }

    @Property(tries = 1000)
    void decisionsAreDeterministicAndSurviveSerialization(
            @ForAll("histories") List<ConsentEvent> history, @ForAll("sends") SendRequest send) {
        SubjectLedger ledger = ledgerOf(history);
        Decision first = DecisionEngine.decide(send, ledger, policy);
        assertThat(DecisionEngine.decide(send, ledgerOf(history), policy)).isEqualTo(first);
        assertThat(DecisionEngine.decide(send, SubjectLedger.fromBytes(ledger.toBytes()), policy))
                .isEqualTo(first);
    }

    @Property(tries = 1000)
    void serviceMessagesAreBlockedOnlyByErasureOrDuplicates(
            @ForAll("histories") List<ConsentEvent> history, @ForAll("sends") SendRequest send) {
        send.setCategory(Category.SERVICE);
        send.getContent().setContainsPromotion(false);
        Decision d = DecisionEngine.decide(send, ledgerOf(history), policy);
        if (d.verdict() == Verdict.ALLOW) {
            assertThat(d.basis()).isEqualTo(Basis.NOT_REQUIRED_SERVICE);
        } else {
            assertThat(d.reasons())
                    .isSubsetOf(Reason.SUBJECT_ERASED, Reason.DUPLICATE_SEND)
                    .isNotEmpty();
        }
    }

    private static SubjectLedger ledgerOf(List<ConsentEvent> history) {
        SubjectLedger ledger = SubjectLedger.empty();
        List<ConsentEvent> ordered = new ArrayList<>(history);
        ordered.sort(Comparator.comparing(ConsentEvent::getOccurredAt));
        for (ConsentEvent e : ordered) {
            ledger.apply(e);
        }
        return ledger;
    }

    @Provide
    Arbitrary<List<ConsentEvent>> histories() {
        return consentEvents().list().ofMaxSize(12);
    }

    @Provide
    Arbitrary<SendRequest> sends() {
        Arbitrary<ContentFacts> content =
                Arbitraries.integers()
                        .between(0, 63)
                        .map(
                                bits ->
                                        ContentFacts.newBuilder()
                                                .setSenderIdentified((bits & 1) == 0 || bits > 40)
                                                .setUnsubscribe((bits & 2) == 0 || bits > 40)
                                                .setOneClickUnsubscribe((bits & 4) != 0)
                                                .setFirstContact((bits & 8) != 0)
                                                .setObjectionNotice((bits & 16) != 0)
                                                .setContainsPromotion((bits & 32) != 0)
                                                .build());
        Arbitrary<String[]> place =
                Arbitraries.of(
                        new String[] {"GB", "Europe/London"},
                        new String[] {"DE", "Europe/Berlin"},
                        new String[] {"FR", "Europe/Paris"},
                        new String[] {"CA-ON", "America/Toronto"},
                        new String[] {"CA-BC", "EST"},
                        new String[] {"US-NY", "America/New_York"},
                        new String[] {"US-CA", "America/Los_Angeles"},
                        new String[] {"US-TX", null},
                        new String[] {"BR", "America/Sao_Paulo"});
        return Combinators.combine(
                        Arbitraries.of(Channel.class),
                        Arbitraries.of(Category.class),
                        Arbitraries.of(RecipientType.class),
                        place,
                        Arbitraries.of("brand-a", "brand-b"),
                        Arbitraries.of("offers", "newsletter"),
                        Arbitraries.longs().between(START, START + SPAN),
                        content)
                .as(
                        (channel, category, type, where, brand, purpose, at, facts) ->
                                SendRequest.newBuilder()
                                        .setMessageId("m")
                                        .setTenantId("t")
                                        .setSubjectId("s")
                                        .setBrand(brand)
                                        .setChannel(channel)
                                        .setCategory(category)
                                        .setPurpose(purpose)
                                        .setProductCategory("coffee")
                                        .setJurisdiction(where[0])
                                        .setTimeZone(where[1])
                                        .setRecipientType(type)
                                        .setContent(facts)
                                        .setRequestedAt(Instant.ofEpochMilli(at))
                                        .build());
    }

    private Arbitrary<ConsentEvent> consentEvents() {
        Arbitrary<Evidence> evidence =
                Combinators.combine(
                                Arbitraries.of(EvidenceMethod.class).injectNull(0.1),
                                Arbitraries.of(DataOrigin.class),
                                Arbitraries.of(true, false),
                                Arbitraries.of(true, true, false))
                        .as(
                                (method, origin, optOut, complete) ->
                                        Evidence.newBuilder()
                                                .setMethod(method)
                                                .setOrigin(origin)
                                                .setOptOutOffered(optOut)
                                                .setSource(complete ? "web" : null)
                                                .setCapturedAt(
                                                        complete
                                                                ? Instant.ofEpochMilli(START)
                                                                : null)
                                                .build())
                        .injectNull(0.1);
        Arbitrary<Integer> ids = Arbitraries.integers().between(0, 1_000_000);
        return Combinators.combine(
                        ids,
                        Arbitraries.of(ConsentEventType.class),
                        Arbitraries.longs().between(START, START + SPAN),
                        Arbitraries.of("brand-a", "brand-b").injectNull(0.4),
                        Arbitraries.of(Channel.class).injectNull(0.4),
                        Arbitraries.of("offers", "newsletter").injectNull(0.5),
                        Arbitraries.of(PreferenceRegistry.class).injectNull(0.2),
                        evidence)
                .as(
                        (id, type, at, brand, channel, purpose, registry, ev) ->
                                ConsentEvent.newBuilder()
                                        .setEventId("ce-" + id)
                                        .setTenantId("t")
                                        .setSubjectId("s")
                                        .setType(type)
                                        .setOccurredAt(Instant.ofEpochMilli(at))
                                        .setBrand(brand)
                                        .setChannel(channel)
                                        .setPurpose(purpose)
                                        .setProductCategory("coffee")
                                        .setRegistry(registry)
                                        .setSuppression(SuppressionKind.HARD_BOUNCE)
                                        .setBirthDate(
                                                type == ConsentEventType.AGE_DECLARED
                                                        ? LocalDate.of(
                                                                2008 + (id % 12), 1 + id % 12, 1)
                                                        : null)
                                        .setEvidence(ev)
                                        .build());
    }
}
