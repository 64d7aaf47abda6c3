package io.consentgate.engine;

import static io.consentgate.engine.testing.ConsentBuilder.aConsent;
import static io.consentgate.engine.testing.ConsentBuilder.an;
import static io.consentgate.engine.testing.SendBuilder.aSend;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.consentgate.engine.testing.SendBuilder;
import io.consentgate.schema.Basis;
import io.consentgate.schema.Channel;
import io.consentgate.schema.ConsentEvent;
import io.consentgate.schema.ConsentEventType;
import io.consentgate.schema.DataOrigin;
import io.consentgate.schema.EvidenceMethod;
import io.consentgate.schema.PreferenceRegistry;
import io.consentgate.schema.Reason;
import io.consentgate.schema.SendRequest;
import io.consentgate.schema.SuppressionKind;
import io.consentgate.schema.Verdict;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Supplier;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.Tuple;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

/**
 * The ledger's byte format: version 2 round-trips every ledger exactly, version 1 state written by
 * the previous release still reads back to the same contents, corrupt bytes fail cleanly.
 */
class SubjectLedgerFormatTest {
    private static final Policy POLICY = Policy.defaultPolicy();
    private static final long START = Instant.parse("2024-01-01T00:00:00Z").toEpochMilli();
    private static final long SPAN = 3L * 365 * 86_400_000L;

    private static final Decision ALLOW =
            new Decision(Verdict.ALLOW, List.of(), Basis.CONSENT, List.of(), "p", 1, -1);
    private static final Decision BLOCK =
            new Decision(
                    Verdict.BLOCK, List.of(Reason.OPTED_OUT), Basis.NONE, List.of(), "p", 1, -1);
    private static final Decision DUPLICATE =
            new Decision(
                    Verdict.BLOCK,
                    List.of(Reason.DUPLICATE_SEND),
                    Basis.NONE,
                    List.of(),
                    "p",
                    1,
                    -1);

    // ---- version 1: what the previous release's toBytes() wrote for the fixtures below ------

    private static final String V1_EMPTY = "AQAAAAAAAAAAAAAA";
    private static final String V1_TYPICAL =
            "AQsABGNlLTEAB2JyYW5kLWEABGNlLTIABmNvZmZlZQAEY2UtMwAEY2UtNAAEY2UtNQAEY2UtNgAE"
                    + "Y2UtNwAHYnJhbmQtYgAGb2ZmZXJzAAAHAICAzozlZQECAAAA//8BAwAEwNKOyxMDAgAEAP//AQcA"
                    + "C8C9mi8FAAAAAP//AQMAAAAciQmAoPanEwYCAAADAP8BAwACgJCp+hMHAgAAAf//AQMAB4DwslII"
                    + "AAAAAP8B/wAAAP/fk8sLCQoLAAL//wICAQUAA20tMQAAAZyua2YAAANtLTMAAAGcrm06wAADbS0y"
                    + "AAABnK5sUGAAA20tNQAAAZyytggAAANtLTQAAAGcrm4lIAIAAAGcrmtmAAAAAZyytggAAAEAAAGc"
                    + "rm4lIAAAAA==";
    private static final String V1_UNICODE =
            "AQcACmNlLcOpdMOpLTEAEk1hcnF1ZSDDnG7Dr2PDuGTDqQAVb2ZmcmVzIHNww6ljaWFsZXMg4piV"
                    + "AAPojLYACWNlLe2gve24gAALY2UtbnVsLcCALXgACtCR0YDQtdC90LQAAAMAgIDOjOVlAQIDBAD/"
                    + "/wEDAAGA8LJSBQIDAAD//wEDAAX//9vMFAYHAAQA//8BAwAEAAZtc2ctwIAAAAGcrqJUgAAJbXNn"
                    + "LWVhcmx5AAABnKmy5wAADW1zZy3toL3tuIAtw6kAAAGcrmtmAAAHbXNnLeiMtgAAAZyu2UMAAwAA"
                    + "AZyua2YAAAABnK6iVIAAAAGcqbLnAAEAAAGcrtlDAAAAAAA=";
    private static final String V1_ERASED =
            "AQQABGNlLWIAB2JyYW5kLWEABG5ld3MACGNlLWVyYXNlAQQBAIDgj/76ZQECAwAA//8BAwABAAdt"
                    + "LWFmdGVyAAABl90IVAAAAAAAAAA=";

    /** Events with every kind of field, dedupe ids (one sent again as a duplicate), caps. */
    static SubjectLedger typical() {
        SubjectLedger l = SubjectLedger.empty();
        l.apply(aConsent().id("ce-1").at("2025-06-01T00:00:00Z").build());
        l.apply(
                an(ConsentEventType.PURCHASE)
                        .id("ce-2")
                        .productCategory("coffee")
                        .optOutOffered()
                        .at("2025-07-01T10:15:00Z")
                        .build());
        l.apply(
                an(ConsentEventType.AGE_DECLARED)
                        .id("ce-3")
                        .anyBrand()
                        .bornOn("1990-01-01")
                        .at("2025-07-02T00:00:00Z")
                        .build());
        l.apply(
                an(ConsentEventType.REGISTRY_LISTED)
                        .id("ce-4")
                        .registry(PreferenceRegistry.TPS)
                        .channel(Channel.PHONE_CALL)
                        .at("2025-08-01T00:00:00Z")
                        .build());
        l.apply(
                an(ConsentEventType.OPT_OUT)
                        .id("ce-5")
                        .channel(Channel.SMS)
                        .at("2025-09-01T00:00:00Z")
                        .build());
        l.apply(
                an(ConsentEventType.SUPPRESSION_ADDED)
                        .id("ce-6")
                        .anyBrand()
                        .channel(Channel.EMAIL)
                        .suppression(SuppressionKind.COMPLAINT)
                        .withoutEvidence()
                        .at("2025-09-02T00:00:00Z")
                        .build());
        l.apply(
                aConsent()
                        .id("ce-7")
                        .brand("brand-b")
                        .purpose("offers")
                        .channel(Channel.PUSH)
                        .method(EvidenceMethod.VERBAL_RECORDED)
                        .origin(DataOrigin.THIRD_PARTY)
                        .withoutSource()
                        .at("2025-08-15T00:00:00Z")
                        .build());
        l.recordSend(aSend().id("m-1").at("2026-03-02T12:00:00Z").build(), ALLOW);
        l.recordSend(aSend().id("m-2").sms().at("2026-03-02T12:01:00Z").build(), BLOCK);
        l.recordSend(aSend().id("m-3").service().at("2026-03-02T12:02:00Z").build(), ALLOW);
        l.recordSend(
                aSend().id("m-4").push().brand("brand-b").at("2026-03-02T12:03:00Z").build(),
                ALLOW);
        l.recordSend(aSend().id("m-5").at("2026-03-03T08:00:00Z").build(), ALLOW);
        l.recordSend(aSend().id("m-1").at("2026-03-03T09:00:00Z").build(), DUPLICATE);
        return l;
    }

    /** Non-ASCII, supplementary and NUL characters; allowed-send times out of order. */
    static SubjectLedger unicode() {
        SubjectLedger l = SubjectLedger.empty();
        l.apply(
                aConsent()
                        .id("ce-\u00e9t\u00e9-1")
                        .brand("Marque \u00dcn\u00efc\u00f8d\u00e9")
                        .purpose("offres sp\u00e9ciales \u2615")
                        .productCategory("\u8336")
                        .at("2025-06-01T00:00:00Z")
                        .build());
        l.apply(
                an(ConsentEventType.CONSENT_WITHDRAWN)
                        .id("ce-\ud83d\ude00")
                        .brand("Marque \u00dcn\u00efc\u00f8d\u00e9")
                        .purpose("offres sp\u00e9ciales \u2615")
                        .at("2025-06-02T00:00:00Z")
                        .build());
        l.apply(
                an(ConsentEventType.INQUIRY)
                        .id("ce-nul-\u0000-x")
                        .brand("\u0411\u0440\u0435\u043d\u0434")
                        .productCategory("\u8336")
                        .at("2025-05-01T00:00:00Z")
                        .build());
        l.recordSend(
                aSend().id("msg-\ud83d\ude00-\u00e9").at("2026-03-02T12:00:00Z").build(), ALLOW);
        l.recordSend(aSend().id("msg-\u0000").at("2026-03-02T13:00:00Z").build(), ALLOW);
        l.recordSend(aSend().id("msg-\u8336").sms().at("2026-03-02T14:00:00Z").build(), ALLOW);
        l.recordSend(aSend().id("msg-early").at("2026-03-01T14:00:00Z").build(), ALLOW);
        return l;
    }

    /** An erasure marker, and what came after it. */
    static SubjectLedger erased() {
        SubjectLedger l = SubjectLedger.empty();
        l.apply(aConsent().id("ce-a").at("2025-06-01T00:00:00Z").build());
        l.recordSend(aSend().id("m-before").at("2025-06-02T00:00:00Z").build(), ALLOW);
        l.apply(an(ConsentEventType.ERASURE).id("ce-erase").at("2025-07-01T00:00:00Z").build());
        l.apply(aConsent().id("ce-b").purpose("news").at("2025-07-05T00:00:00Z").build());
        l.recordSend(aSend().id("m-after").service().at("2025-07-06T00:00:00Z").build(), ALLOW);
        return l;
    }

    private static final Map<String, Supplier<SubjectLedger>> V1_FIXTURES =
            Map.of(
                    V1_EMPTY, SubjectLedger::empty,
                    V1_TYPICAL, SubjectLedgerFormatTest::typical,
                    V1_UNICODE, SubjectLedgerFormatTest::unicode,
                    V1_ERASED, SubjectLedgerFormatTest::erased);

    @Test
    void version1BytesReadBackToTheSameLedger() {
        V1_FIXTURES.forEach(
                (base64, fixture) -> {
                    byte[] v1 = Base64.getDecoder().decode(base64);
                    assertThat(v1[0]).isEqualTo((byte) 1);
                    SubjectLedger expected = fixture.get();
                    SubjectLedger decoded = SubjectLedger.fromBytes(v1);
                    assertThat(describe(decoded, true)).isEqualTo(describe(expected, true));
                    for (SendRequest send : probeSends()) {
                        assertThat(DecisionEngine.decide(send, decoded, POLICY))
                                .isEqualTo(DecisionEngine.decide(send, expected, POLICY));
                    }
                    // Written again (as version 2), it reads back the same.
                    byte[] v2 = decoded.toBytes();
                    assertThat(v2[0]).isEqualTo((byte) 2);
                    assertThat(v2.length).isLessThan(v1.length);
                    assertThat(describe(SubjectLedger.fromBytes(v2), false))
                            .isEqualTo(describe(decoded, false));
                });
    }

    @Test
    void version1FixturesDecodeToThePinnedValues() {
        SubjectLedger typical = SubjectLedger.fromBytes(Base64.getDecoder().decode(V1_TYPICAL));
        assertThat(typical.eventCount()).isEqualTo(7);
        LedgerEvent age = typical.events().get(2);
        assertThat(age.type).isEqualTo(ConsentEventType.AGE_DECLARED);
        assertThat(age.birthEpochDay).isEqualTo(7305);
        assertThat(age.brand).isNull();
        LedgerEvent thirdParty = typical.events().get(6);
        assertThat(thirdParty.id).isEqualTo("ce-7");
        assertThat(thirdParty.at).isEqualTo(1_755_216_000_000L);
        assertThat(thirdParty.method).isEqualTo(EvidenceMethod.VERBAL_RECORDED);
        assertThat(thirdParty.origin).isEqualTo(DataOrigin.THIRD_PARTY);
        assertThat(thirdParty.evidenceFlags).isEqualTo(2);
        assertThat(typical.events().get(5).suppression).isEqualTo(SuppressionKind.COMPLAINT);
        assertThat(typical.events().get(3).registry).isEqualTo(PreferenceRegistry.TPS);
        assertThat(typical.sendTimes())
                .containsOnlyKeys("m-1", "m-2", "m-3", "m-4", "m-5")
                .containsEntry("m-1", 1_772_452_800_000L);
        assertThat(typical.allowTimes(Channel.EMAIL))
                .containsExactly(1_772_452_800_000L, 1_772_524_800_000L);
        assertThat(typical.allowTimes(Channel.PUSH)).containsExactly(1_772_452_980_000L);

        SubjectLedger unicode = SubjectLedger.fromBytes(Base64.getDecoder().decode(V1_UNICODE));
        assertThat(unicode.events().get(1).id).isEqualTo("ce-\ud83d\ude00");
        assertThat(unicode.events().get(2).id).isEqualTo("ce-nul-\u0000-x");
        assertThat(unicode.events().get(0).purpose).isEqualTo("offres sp\u00e9ciales \u2615");
        assertThat(unicode.sendTime("msg-\u0000")).isEqualTo(1_772_456_400_000L);
        assertThat(unicode.allowTimes(Channel.EMAIL))
                .containsExactly(1_772_452_800_000L, 1_772_456_400_000L, 1_772_373_600_000L);

        SubjectLedger erased = SubjectLedger.fromBytes(Base64.getDecoder().decode(V1_ERASED));
        assertThat(erased.erased()).isTrue();
        assertThat(erased.erasureEventId()).isEqualTo("ce-erase");
        assertThat(erased.sendTimes()).containsOnlyKeys("m-after");
    }

    @Test
    void writesVersion2SmallerThanVersion1() {
        assertThat(SubjectLedger.empty().toBytes()).hasSize(6).startsWith(2);
        assertThat(typical().toBytes().length)
                .isLessThan(Base64.getDecoder().decode(V1_TYPICAL).length * 3 / 4);
    }

    @Test
    void version2FormatIsStable() {
        // Golden bytes: if this changes, the format changed and needs a new version number.
        assertThat(Base64.getEncoder().encodeToString(typical().toBytes())).isEqualTo(V2_TYPICAL);
        assertThat(describe(SubjectLedger.fromBytes(Base64.getDecoder().decode(V2_TYPICAL)), false))
                .isEqualTo(describe(typical(), false));
    }

    private static final String V2_TYPICAL =
            "AgAAB+BCgIDOjOVlBWNlLTEBCGJyYW5kLWEAAORDwNKOyxMFY2UtMgIAAQdjb2ZmZWXrwiDAvZov"
                    + "BWNlLTMAAACScunIgAGAoPanEwVjZS00AgAA4kSAkKn6EwVjZS01AgAAh4KAEIDwslIFY2UtNgAA"
                    + "AMDmBP/fk8sLBWNlLTcBCGJyYW5kLWIBB29mZmVycwAFBG0tMYDIpbaAAQRtLTLAqQcEbS0zwKkH"
                    + "BG0tNMCpBwRtLTXAi79EBQL/h9VEgIjVRAG/i79E";

    @Test
    void longAndManyStringsRoundTrip() {
        SubjectLedger ledger = SubjectLedger.empty();
        ledger.apply(
                aConsent()
                        .id("x".repeat(70_000) + "\u00e9")
                        .purpose("\u2615".repeat(30_000))
                        .build());
        Instant t = Instant.parse("2024-01-01T00:00:00Z");
        for (int i = 1; i <= 2 * SubjectLedger.MAX_EVENTS; i++) {
            ledger.apply(
                    aConsent().id("g" + i).purpose("p" + i).at(t.plusSeconds(60L * i)).build());
            ledger.apply(
                    an(ConsentEventType.CONSENT_WITHDRAWN)
                            .id("w" + i)
                            .purpose("p" + (i % 7))
                            .at(t.plusSeconds(60L * i + 1))
                            .build());
        }
        assertRoundTrips(ledger);
        assertRoundTrips(typical()); // the thread's writer is usable after a large ledger
    }

    @Test
    void everyTruncationIsCorrupt() {
        List<byte[]> all = new ArrayList<>();
        for (String base64 : V1_FIXTURES.keySet()) {
            all.add(Base64.getDecoder().decode(base64));
        }
        for (SubjectLedger l : List.of(SubjectLedger.empty(), typical(), unicode(), erased())) {
            all.add(l.toBytes());
        }
        for (byte[] bytes : all) {
            for (int n = 1; n < bytes.length; n++) {
                byte[] prefix = Arrays.copyOf(bytes, n);
                assertThatThrownBy(() -> SubjectLedger.fromBytes(prefix))
                        .isInstanceOf(IllegalStateException.class)
                        .hasMessageStartingWith("Corrupt ledger state");
            }
        }
    }

    @Test
    void hostileLengthsAndVersionsFailCleanly() {
        int[][] inputs = {
            {1, 0xFF, 0xFF, 0xFF, 0xFF, 0x07}, // v1: 2^31-1 strings
            {1, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F}, // v1: a negative string count
            {1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01}, // > 64 bits
            {1, 1, 0xFF, 0xFF, 'a'}, // v1: a 65535-byte string in 3 bytes
            {1, 1, 0, 2, 0xC3, 0x28}, // v1: malformed modified UTF-8
            {1, 1, 0, 4, 0xF0, 0x9F, 0x98, 0x80}, // v1: 4-byte UTF-8 (readUTF rejects it)
            {1, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x07}, // v1: 2^31-1 events
            {1, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x07}, // v1: 2^31-1 message ids
            {1, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x07}, // v1: 2^31-1 allow times
            {1, 0, 0, 1, 1, 0x7F, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0}, // v1: unknown event type
            {2, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x07}, // v2: a 2^31-2 byte erasure id
            {2, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F}, // v2: a negative string length
            {2, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x07}, // v2: 2^31-1 events
            {2, 0, 3, 0xF0, 0x28}, // v2: malformed UTF-8
            {2, 0, 0, 0, 0, 0, 0}, // v2: a trailing byte
            {2, 0, 0, 0, 0, 0x40}, // v2: an unknown channel
            {2, 0, 0, 0, 0, 1, 0}, // v2: no times for a channel
            {2, 4, 0, 0, 0, 0}, // v2: unknown state bits
            {2, 0, 0, 1, 0x1F, 0, 0, 0, 0, 0, 0, 0}, // v2: unknown event type
            {2, 0, 0, 1, 0, 0, 0, 5, 0, 0, 0, 0, 0}, // v2: a reference to no string
            {2, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF, 0x07}, // v2: 2^31-1 message ids
            {2, 0, 0, 0, 0, 1, 0xFF, 0xFF, 0xFF, 0xFF, 0x07}, // v2: 2^31-1 allow times
        };
        for (int[] input : inputs) {
            byte[] bytes = new byte[input.length];
            for (int i = 0; i < input.length; i++) {
                bytes[i] = (byte) input[i];
            }
            assertThatThrownBy(() -> SubjectLedger.fromBytes(bytes))
                    .as(Arrays.toString(input))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("Corrupt ledger state");
        }
        for (int version : new int[] {0, 3, 0x7F, -1}) {
            assertThatThrownBy(() -> SubjectLedger.fromBytes(new byte[] {(byte) version, 0}))
                    .isInstanceOf(IllegalStateException.class)
                    .hasMessageStartingWith("Unknown ledger format version");
        }
    }

    @Test
    void serializesConcurrentlyFromManyThreads() throws Exception {
        List<SubjectLedger> ledgers =
                List.of(typical(), unicode(), erased(), SubjectLedger.empty());
        List<byte[]> expected = new ArrayList<>();
        for (SubjectLedger l : ledgers) {
            expected.add(l.toBytes());
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        try {
            List<Future<Boolean>> results = new ArrayList<>();
            for (int t = 0; t < 4; t++) {
                int offset = t;
                results.add(
                        pool.submit(
                                () -> {
                                    for (int i = 0; i < 5_000; i++) {
                                        int k = (i + offset) % ledgers.size();
                                        byte[] bytes = ledgers.get(k).toBytes();
                                        if (!Arrays.equals(bytes, expected.get(k))
                                                || !Arrays.equals(
                                                        SubjectLedger.fromBytes(bytes).toBytes(),
                                                        bytes)) {
                                            return false;
                                        }
                                    }
                                    return true;
                                }));
            }
            for (Future<Boolean> r : results) {
                assertThat(r.get()).isTrue();
            }
        } finally {
            pool.shutdownNow();
        }
    }

    // ---- properties -------------------------------------------------------------------------

    @Property(tries = 1000)
    void everyLedgerRoundTripsToTheSameBytesAndContents(@ForAll("operations") List<Op> ops) {
        assertRoundTrips(build(ops));
    }

    @Property(tries = 1000)
    void corruptedBytesDecodeOrFailWithIllegalStateException(
            @ForAll("operations") List<Op> ops,
            @ForAll boolean version1,
            @ForAll @Size(min = 1, max = 4) List<@Size(2) List<Integer>> edits) {
        byte[] bytes = version1 ? Base64.getDecoder().decode(V1_UNICODE) : build(ops).toBytes();
        for (List<Integer> edit : edits) {
            int at = Math.floorMod(edit.get(0), bytes.length);
            int value = edit.get(1);
            if ((value & 0x300) == 0x300 && bytes.length > 2) {
                bytes = Arrays.copyOf(bytes, Math.max(1, at)); // truncate
            } else {
                bytes[at] = (byte) value;
            }
        }
        decodeOrCorrupt(bytes);
    }

    @Property(tries = 1000)
    void randomBytesDecodeOrFailWithIllegalStateException(
            @ForAll boolean version1, @ForAll @Size(max = 48) byte[] junk) {
        byte[] bytes = new byte[junk.length + 1];
        bytes[0] = (byte) (version1 ? 1 : 2);
        System.arraycopy(junk, 0, bytes, 1, junk.length);
        decodeOrCorrupt(bytes);
    }

    private static void decodeOrCorrupt(byte[] bytes) {
        SubjectLedger decoded;
        try {
            decoded = SubjectLedger.fromBytes(bytes);
        } catch (IllegalStateException e) {
            assertThat(e.getMessage())
                    .startsWith(
                            bytes[0] == 1 || bytes[0] == 2
                                    ? "Corrupt ledger state"
                                    : "Unknown ledger format version");
            return;
        }
        describe(decoded, false); // whatever decodes is a usable ledger
        decoded.toBytes();
    }

    sealed interface Op permits Apply, ApplyRaw, Send, Prune {}

    record Apply(ConsentEvent event) implements Op {}

    record ApplyRaw(
            String id,
            ConsentEventType type,
            long at,
            String brand,
            Channel channel,
            String purpose,
            String productCategory,
            int birthEpochDay,
            PreferenceRegistry registry,
            SuppressionKind suppression,
            EvidenceMethod method,
            int flags,
            DataOrigin origin)
            implements Op {}

    record Send(SendRequest send, Decision decision) implements Op {}

    record Prune(long nowMillis) implements Op {}

    private static SubjectLedger build(List<Op> ops) {
        SubjectLedger ledger = SubjectLedger.empty();
        for (Op op : ops) {
            if (op instanceof Apply a) {
                ledger.apply(a.event());
            } else if (op instanceof ApplyRaw r) {
                ledger.apply(
                        new LedgerEvent(
                                r.id(),
                                r.type(),
                                r.at(),
                                r.brand(),
                                r.channel(),
                                r.purpose(),
                                r.productCategory(),
                                r.birthEpochDay(),
                                r.registry(),
                                r.suppression(),
                                r.method(),
                                r.flags(),
                                r.origin()));
            } else if (op instanceof Send s) {
                ledger.recordSend(s.send(), s.decision());
            } else if (op instanceof Prune p) {
                ledger.prune(p.nowMillis(), POLICY);
            }
        }
        return ledger;
    }

    @Provide
    Arbitrary<List<Op>> operations() {
        return Arbitraries.frequencyOf(
                        Tuple.of(4, applies()),
                        Tuple.of(3, rawApplies()),
                        Tuple.of(3, sends()),
                        Tuple.of(1, prunes()))
                .list()
                .ofMaxSize(60);
    }

    /** Any string: ASCII, any UTF-16 code units (unpaired surrogates too), any code points. */
    private static Arbitrary<String> text() {
        Arbitrary<String> pooled =
                Arbitraries.of(
                        "brand-a",
                        "offers",
                        "Marque \u00dcn\u00efc\u00f8d\u00e9",
                        "\ud83d\ude00",
                        "\u0000",
                        "");
        Arbitrary<String> ascii = Arbitraries.strings().ascii().ofMaxLength(24);
        Arbitrary<String> codeUnits = Arbitraries.strings().all().ofMaxLength(12);
        Arbitrary<String> surrogates =
                Arbitraries.strings()
                        .withCharRange('\ud800', '\udfff')
                        .withChars('a', '\u00e9')
                        .ofMaxLength(8);
        Arbitrary<String> codePoints =
                Arbitraries.integers()
                        .between(0, Character.MAX_CODE_POINT)
                        .list()
                        .ofMaxSize(8)
                        .map(
                                cps -> {
                                    StringBuilder b = new StringBuilder();
                                    cps.forEach(b::appendCodePoint);
                                    return b.toString();
                                });
        Arbitrary<String> longer =
                Arbitraries.strings()
                        .withCharRange('a', '\u00ff')
                        .ofMinLength(120)
                        .ofMaxLength(400);
        return Arbitraries.frequencyOf(
                Tuple.of(4, pooled),
                Tuple.of(3, ascii),
                Tuple.of(2, codeUnits),
                Tuple.of(2, surrogates),
                Tuple.of(2, codePoints),
                Tuple.of(1, longer));
    }

    private static Arbitrary<Long> times() {
        return Arbitraries.frequencyOf(
                Tuple.of(5, Arbitraries.longs().between(START, START + SPAN)),
                Tuple.of(1, Arbitraries.longs()),
                Tuple.of(1, Arbitraries.of(Long.MIN_VALUE, Long.MAX_VALUE, 0L, -1L)));
    }

    private Arbitrary<Op> applies() {
        return Combinators.combine(
                        text(),
                        Arbitraries.of(ConsentEventType.class),
                        Arbitraries.longs().between(START, START + SPAN),
                        text().injectNull(0.3),
                        Arbitraries.of(Channel.class).injectNull(0.3),
                        text().injectNull(0.4),
                        text().injectNull(0.4),
                        Arbitraries.of(EvidenceMethod.class).injectNull(0.2))
                .as(
                        (id, type, at, brand, channel, purpose, category, method) -> {
                            ConsentEvent e =
                                    an(type).id(id)
                                            .at(Instant.ofEpochMilli(at))
                                            .channel(channel)
                                            .brand(brand)
                                            .purpose(purpose)
                                            .productCategory(category)
                                            .method(method)
                                            .build();
                            if (type == ConsentEventType.REGISTRY_LISTED) {
                                e.setRegistry(PreferenceRegistry.NATIONAL_DNC);
                            } else if (type == ConsentEventType.AGE_DECLARED) {
                                e.setBirthDate(LocalDate.ofEpochDay(at % 20_000));
                            }
                            return new Apply(e);
                        });
    }

    private Arbitrary<Op> rawApplies() {
        Arbitrary<Integer> flags =
                Arbitraries.frequencyOf(
                        Tuple.of(5, Arbitraries.integers().between(0, 7)),
                        Tuple.of(1, Arbitraries.integers()));
        Arbitrary<Integer> births =
                Arbitraries.frequencyOf(
                        Tuple.of(3, Arbitraries.just(LedgerEvent.NO_BIRTH_DATE)),
                        Tuple.of(1, Arbitraries.integers()));
        Arbitrary<Tuple.Tuple6<String, ConsentEventType, Long, String, Channel, String>> first =
                Combinators.combine(
                                text(),
                                Arbitraries.of(ConsentEventType.class),
                                times(),
                                text().injectNull(0.3),
                                Arbitraries.of(Channel.class).injectNull(0.3),
                                text().injectNull(0.4))
                        .as(Tuple::of);
        return Combinators.combine(
                        first,
                        text().injectNull(0.4),
                        births,
                        Arbitraries.of(PreferenceRegistry.class).injectNull(0.7),
                        Arbitraries.of(SuppressionKind.class).injectNull(0.7),
                        Arbitraries.of(EvidenceMethod.class).injectNull(0.3),
                        flags,
                        Arbitraries.of(DataOrigin.class))
                .as(
                        (f, category, birth, registry, suppression, method, flag, origin) ->
                                new ApplyRaw(
                                        f.get1(),
                                        f.get2(),
                                        f.get3(),
                                        f.get4(),
                                        f.get5(),
                                        f.get6(),
                                        category,
                                        birth,
                                        registry,
                                        suppression,
                                        method,
                                        flag,
                                        origin));
    }

    private Arbitrary<Op> sends() {
        return Combinators.combine(
                        text(),
                        Arbitraries.of(Channel.class),
                        Arbitraries.of(true, false),
                        times(),
                        Arbitraries.of(ALLOW, ALLOW, BLOCK, DUPLICATE))
                .as(
                        (id, channel, service, at, decision) -> {
                            SendBuilder b =
                                    aSend().id(id).channel(channel).at(Instant.ofEpochMilli(at));
                            return new Send((service ? b.service() : b).build(), decision);
                        });
    }

    private Arbitrary<Op> prunes() {
        return Arbitraries.longs().between(START, START + 2 * SPAN).map(Prune::new);
    }

    // ---- helpers ----------------------------------------------------------------------------

    private static void assertRoundTrips(SubjectLedger ledger) {
        byte[] bytes = ledger.toBytes();
        SubjectLedger copy = SubjectLedger.fromBytes(bytes);
        assertThat(copy.toBytes()).isEqualTo(bytes);
        assertThat(describe(copy, false)).isEqualTo(describe(ledger, false));
    }

    /** Everything the ledger holds; message ids in map order, or sorted. */
    static String describe(SubjectLedger l, boolean sortMessageIds) {
        StringBuilder b = new StringBuilder();
        b.append("erased=").append(l.erased()).append(' ');
        b.append("erasureEventId=").append(quote(l.erasureEventId())).append('\n');
        for (LedgerEvent e : l.events()) {
            b.append(quote(e.id)).append(' ').append(e.type).append(' ').append(e.at);
            b.append(" brand=").append(quote(e.brand));
            b.append(" channel=").append(e.channel);
            b.append(" purpose=").append(quote(e.purpose));
            b.append(" category=").append(quote(e.productCategory));
            b.append(" birth=").append(e.birthEpochDay);
            b.append(" registry=").append(e.registry);
            b.append(" suppression=").append(e.suppression);
            b.append(" method=").append(e.method);
            b.append(" flags=").append(e.evidenceFlags);
            b.append(" origin=").append(e.origin).append('\n');
        }
        Map<String, Long> sends = l.sendTimes();
        if (sortMessageIds) {
            sends = new TreeMap<>(sends);
        }
        sends.forEach(
                (id, t) -> b.append("send ").append(quote(id)).append(' ').append(t).append('\n'));
        for (Channel c : Channel.values()) {
            b.append(c).append(' ').append(Arrays.toString(l.allowTimes(c))).append('\n');
        }
        return b.toString();
    }

    private static String quote(String s) {
        if (s == null) {
            return "null";
        }
        StringBuilder b = new StringBuilder("\"");
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c >= 0x20 && c < 0x7F) {
                b.append(c);
            } else {
                b.append("\\u").append(Integer.toHexString(0x10000 | c).substring(1));
            }
        }
        return b.append('"').toString();
    }

    private static List<SendRequest> probeSends() {
        return List.of(
                aSend().id("m-1").at("2026-03-03T10:00:00Z").build(),
                aSend().id("m-new").at("2026-03-03T10:00:00Z").build(),
                aSend().id("msg-\u0000").at("2026-03-03T10:00:00Z").build(),
                aSend().sms().at("2026-03-03T10:00:00Z").build(),
                aSend().push()
                        .brand("brand-b")
                        .purpose("offers")
                        .at("2026-03-03T10:00:00Z")
                        .build(),
                aSend().phoneCall().at("2026-03-03T10:00:00Z").build(),
                aSend().post().at("2026-03-03T10:00:00Z").build(),
                aSend().service().at("2026-03-03T10:00:00Z").build());
    }
}
