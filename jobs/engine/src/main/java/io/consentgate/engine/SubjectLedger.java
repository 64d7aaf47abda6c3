package io.consentgate.engine;

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
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Everything known about one tenant+subject: the consent events applied so far (in applied order,
 * since the last erasure), the erasure marker, the message ids of recent sends for dedupe, and the
 * times of recent allowed marketing sends for frequency caps. Serializes to a compact byte array
 * for keyed state.
 *
 * <p>Bounds: repeated relationship facts (purchases, inquiries, notices with the same attributes)
 * and repeated refusals of the same type and scope keep only the latest, since it dominates the
 * earlier ones in every rule (so refusals are bounded by the scope vocabulary); only the latest age
 * declaration is kept; a re-applied event id is ignored; message ids leave after the dedupe window;
 * at most {@link #MAX_EVENTS} events are kept (an exact redelivery of an event is ignored),
 * dropping the oldest consent grants that a later refusal voided first. Refusals, objections and
 * opt-outs are never dropped.
 */
public final class SubjectLedger {
    static final int MAX_EVENTS = 512;
    static final int MAX_ALLOWS_PER_CHANNEL = 64;
    private static final ConsentEventType[] TYPES = ConsentEventType.values();
    private static final Channel[] CHANNELS = Channel.values();
    private static final PreferenceRegistry[] REGISTRIES = PreferenceRegistry.values();
    private static final SuppressionKind[] SUPPRESSIONS = SuppressionKind.values();
    private static final EvidenceMethod[] METHODS = EvidenceMethod.values();
    private static final DataOrigin[] ORIGINS = DataOrigin.values();

    private final ArrayList<LedgerEvent> events = new ArrayList<>();
    private boolean erased;
    private String erasureEventId;

    /**
     * Message id to the time of the latest send with that id that was not a duplicate. Insertion
     * ordered, so that a ledger read back from its bytes writes the same bytes.
     */
    private final LinkedHashMap<String, Long> sendTimes = new LinkedHashMap<>();

    /** Per channel ordinal: ascending times of recent allowed marketing sends, or null. */
    private final long[][] allowTimes = new long[CHANNELS.length][];

    public static SubjectLedger empty() {
        return new SubjectLedger();
    }

    /** Applies one consent event; events must arrive in applied order. */
    public void apply(ConsentEvent event) {
        apply(LedgerEvent.of(event));
    }

    void apply(LedgerEvent e) {
        for (int i = 0; i < events.size(); i++) {
            if (events.get(i).sameEventAs(e)) {
                return; // the same event again (a redelivery): applying it twice changes nothing
            }
        }
        // A different event that reuses an id is applied like any other: dropping it could lose
        // a withdrawal (fail open).
        switch (e.type) {
            case ERASURE -> {
                // GDPR Art 17: forget the history, keep only a suppression marker.
                events.clear();
                sendTimes.clear();
                Arrays.fill(allowTimes, null);
                erased = true;
                erasureEventId = e.id;
                return;
            }
            case PURCHASE, INQUIRY, ART14_NOTICE_GIVEN, SERVICE_ENDED ->
                    events.removeIf(old -> old.sameRelationshipAs(e));
            case AGE_DECLARED -> events.removeIf(old -> old.type == ConsentEventType.AGE_DECLARED);
            case OBJECTION, OPT_OUT, CONSENT_WITHDRAWN ->
                    events.removeIf(old -> old.sameRefusalAs(e));
            default -> {}
        }
        events.add(e);
        if (events.size() > MAX_EVENTS) {
            compact();
        }
    }

    /** Remembers a decided send for duplicate detection and frequency caps. */
    public void recordSend(SendRequest send, Decision decision) {
        if (decision.reasons().contains(Reason.DUPLICATE_SEND)) {
            return; // a duplicate does not start a new dedupe window
        }
        long at = send.getRequestedAt().toEpochMilli();
        sendTimes.put(send.getMessageId(), at);
        if (decision.verdict() == Verdict.ALLOW && Facts.isMarketing(send)) {
            int ch = send.getChannel().ordinal();
            long[] times = allowTimes[ch];
            if (times == null) {
                allowTimes[ch] = new long[] {at};
            } else {
                int keep = Math.min(times.length, MAX_ALLOWS_PER_CHANNEL - 1);
                long[] next = Arrays.copyOfRange(times, times.length - keep, times.length + 1);
                next[keep] = at;
                allowTimes[ch] = next;
            }
        }
    }

    /** Drops what can no longer change a decision at or after {@code nowMillis}. */
    public void prune(long nowMillis, Policy policy) {
        long dedupeHorizon = nowMillis - policy.dedupeWindowMillis();
        sendTimes.values().removeIf(t -> t < dedupeHorizon);
        for (Channel c : CHANNELS) {
            long[] times = allowTimes[c.ordinal()];
            if (times == null) {
                continue;
            }
            Policy.FrequencyCap cap = policy.frequencyCap(c);
            long horizon = cap == null ? Long.MAX_VALUE : nowMillis - cap.windowMillis();
            int first = 0;
            while (first < times.length && times[first] < horizon) {
                first++;
            }
            allowTimes[c.ordinal()] =
                    first == times.length ? null : Arrays.copyOfRange(times, first, times.length);
        }
    }

    /** True when the ledger holds nothing: its keyed state can be cleared. */
    public boolean isEmpty() {
        if (erased || !events.isEmpty() || !sendTimes.isEmpty()) {
            return false;
        }
        for (long[] t : allowTimes) {
            if (t != null) {
                return false;
            }
        }
        return true;
    }

    /** The latest time at which a remembered message id stops being a duplicate, or -1. */
    public long lastSendTime() {
        long max = -1;
        for (long t : sendTimes.values()) {
            max = Math.max(max, t);
        }
        return max;
    }

    /** Number of consent events held (after compaction). */
    public int eventCount() {
        return events.size();
    }

    List<LedgerEvent> events() {
        return events;
    }

    boolean erased() {
        return erased;
    }

    String erasureEventId() {
        return erasureEventId;
    }

    /** Time of the latest non-duplicate send with this id, or null. */
    Long sendTime(String messageId) {
        return sendTimes.get(messageId);
    }

    /** Every remembered message id with its send time, in written order (read only). */
    Map<String, Long> sendTimes() {
        return Collections.unmodifiableMap(sendTimes);
    }

    long[] allowTimes(Channel channel) {
        return allowTimes[channel.ordinal()];
    }

    /** Drops the oldest consent grants that a later refusal of the same or wider scope voided. */
    private void compact() {
        for (Iterator<LedgerEvent> it = events.iterator();
                it.hasNext() && events.size() > MAX_EVENTS; ) {
            LedgerEvent e = it.next();
            if (e.type == ConsentEventType.CONSENT_GRANTED && voidedForGood(e)) {
                it.remove();
            }
        }
        if (events.size() > MAX_EVENTS) {
            // Still over: drop the oldest grants of any kind. Refusals are never dropped, so
            // this can only make decisions stricter (fail closed).
            for (Iterator<LedgerEvent> it = events.iterator();
                    it.hasNext() && events.size() > MAX_EVENTS; ) {
                if (it.next().type == ConsentEventType.CONSENT_GRANTED) {
                    it.remove();
                }
            }
        }
    }

    private boolean voidedForGood(LedgerEvent grant) {
        int idx = events.indexOf(grant);
        for (int i = idx + 1; i < events.size(); i++) {
            LedgerEvent r = events.get(i);
            if (Scope.isRefusal(r.type)
                    && (r.brand == null || r.brand.equals(grant.brand))
                    && (r.channel == null || r.channel == grant.channel)
                    && (r.purpose == null || r.purpose.equals(grant.purpose))) {
                return true;
            }
        }
        return false;
    }

    // ---- serialization -------------------------------------------------------------------------
    //
    // Version 2 (written): the version byte, then
    //   varint     state bits (1 = erased; other bits must be 0)
    //   string?    erasure event id
    //   varint     event count, then per event:
    //     varint   head: type | flags << 5 | (channel+1) << 8 | (method+1) << 12 | origin << 16
    //              | has-birth-date << 19 | wide-flags << 20 | (registry+1) << 21
    //              | (suppression+1) << 24 (ordinal fields; +1 where 0 stands for null)
    //     varlong  zigzag(at - previous time)
    //     string?  event id
    //     ref      brand, purpose, product category (0 = null, 1 = a new string follows and is
    //              added to the table, k >= 2 = table entry k - 2)
    //     varint   zigzag(birth epoch day), when has-birth-date
    //     varint   zigzag(evidence flags), when wide-flags (flags outside 0..7)
    //   varint     message id count, then per id: string? id, varlong zigzag(time - previous time)
    //   varint     mask of channels (by ordinal) with allowed-send times, then per set bit:
    //              varint count (>= 1), then per time varlong zigzag(time - previous time)
    // "previous time" runs through the whole record, starting at 0. string? is a varint of the
    // UTF-8 length + 1 (0 = null) and the UTF-8 bytes; unpaired surrogates are written as 3-byte
    // sequences so that every String round-trips exactly.
    //
    // Version 1 (read only): the version byte, a string table (varint count, writeUTF strings),
    // then fixed-order fields with varint references into the table (see readV1).

    private static final byte FORMAT_V1 = 1;
    private static final byte FORMAT_V2 = 2;

    private static final int TYPE_MASK = 0x1F;
    private static final int FLAGS_SHIFT = 5;
    private static final int FLAGS_MASK = 0x7;
    private static final int CHANNEL_SHIFT = 8;
    private static final int METHOD_SHIFT = 12;
    private static final int NIBBLE = 0xF;
    private static final int ORIGIN_SHIFT = 16;
    private static final int HAS_BIRTH = 1 << 19;
    private static final int WIDE_FLAGS = 1 << 20;
    private static final int REGISTRY_SHIFT = 21;
    private static final int SUPPRESSION_SHIFT = 24;
    private static final int THREE_BITS = 0x7;
    private static final int HEAD_BITS = 27;

    static {
        if (TYPES.length > TYPE_MASK + 1
                || CHANNELS.length > NIBBLE
                || METHODS.length > NIBBLE
                || ORIGINS.length > THREE_BITS + 1
                || REGISTRIES.length > THREE_BITS
                || SUPPRESSIONS.length > THREE_BITS) {
            throw new ExceptionInInitializerError(
                    "An enum outgrew its field in ledger format 2: add a format version");
        }
    }

    private static final ThreadLocal<Writer> WRITER = ThreadLocal.withInitial(Writer::new);

    public byte[] toBytes() {
        Writer out = WRITER.get();
        try {
            out.putByte(FORMAT_V2);
            out.putVarInt(erased ? 1 : 0);
            out.putString(erasureEventId);
            int n = events.size();
            out.putVarInt(n);
            long previous = 0;
            for (int i = 0; i < n; i++) {
                LedgerEvent e = events.get(i);
                int flags = e.evidenceFlags;
                boolean wideFlags = (flags & ~FLAGS_MASK) != 0;
                boolean hasBirth = e.birthEpochDay != LedgerEvent.NO_BIRTH_DATE;
                int head =
                        e.type.ordinal()
                                | (wideFlags ? WIDE_FLAGS : flags << FLAGS_SHIFT)
                                | ordinalPlusOne(e.channel) << CHANNEL_SHIFT
                                | ordinalPlusOne(e.method) << METHOD_SHIFT
                                | e.origin.ordinal() << ORIGIN_SHIFT
                                | (hasBirth ? HAS_BIRTH : 0)
                                | ordinalPlusOne(e.registry) << REGISTRY_SHIFT
                                | ordinalPlusOne(e.suppression) << SUPPRESSION_SHIFT;
                out.putVarInt(head);
                out.putVarLong(zigZag(e.at - previous));
                previous = e.at;
                out.putString(e.id);
                out.putRef(e.brand);
                out.putRef(e.purpose);
                out.putRef(e.productCategory);
                if (hasBirth) {
                    out.putVarInt(zigZag(e.birthEpochDay));
                }
                if (wideFlags) {
                    out.putVarInt(zigZag(flags));
                }
            }
            out.putVarInt(sendTimes.size());
            for (Map.Entry<String, Long> s : sendTimes.entrySet()) {
                out.putString(s.getKey());
                long t = s.getValue();
                out.putVarLong(zigZag(t - previous));
                previous = t;
            }
            int mask = 0;
            for (int c = 0; c < allowTimes.length; c++) {
                if (allowTimes[c] != null) {
                    mask |= 1 << c;
                }
            }
            out.putVarInt(mask);
            for (long[] times : allowTimes) {
                if (times != null) {
                    out.putVarInt(times.length);
                    for (long t : times) {
                        out.putVarLong(zigZag(t - previous));
                        previous = t;
                    }
                }
            }
            return out.toByteArray();
        } finally {
            out.reset();
        }
    }

    public static SubjectLedger fromBytes(byte[] bytes) {
        SubjectLedger ledger = new SubjectLedger();
        if (bytes == null || bytes.length == 0) {
            return ledger;
        }
        byte version = bytes[0];
        Reader in = new Reader(bytes, 1);
        switch (version) {
            case FORMAT_V2 -> readV2(in, ledger);
            case FORMAT_V1 -> readV1(in, ledger);
            default -> throw new IllegalStateException("Unknown ledger format version " + version);
        }
        return ledger;
    }

    private static void readV2(Reader in, SubjectLedger ledger) {
        int state = in.readVarInt();
        if ((state & ~1) != 0) {
            throw corrupt("unknown state bits");
        }
        ledger.erased = state != 0;
        ledger.erasureEventId = in.readString();
        int n = in.readCount(3);
        ledger.events.ensureCapacity(n);
        long at = 0;
        for (int i = 0; i < n; i++) {
            int head = in.readVarInt();
            if (head >>> HEAD_BITS != 0) {
                throw corrupt("unknown event bits");
            }
            ConsentEventType type = enumAt(TYPES, head & TYPE_MASK);
            Channel channel = nullableEnumAt(CHANNELS, head >>> CHANNEL_SHIFT & NIBBLE);
            EvidenceMethod method = nullableEnumAt(METHODS, head >>> METHOD_SHIFT & NIBBLE);
            DataOrigin origin = enumAt(ORIGINS, head >>> ORIGIN_SHIFT & THREE_BITS);
            PreferenceRegistry registry =
                    nullableEnumAt(REGISTRIES, head >>> REGISTRY_SHIFT & THREE_BITS);
            SuppressionKind suppression =
                    nullableEnumAt(SUPPRESSIONS, head >>> SUPPRESSION_SHIFT & THREE_BITS);
            at += unZigZag(in.readVarLong());
            String id = in.readString();
            String brand = in.readRef();
            String purpose = in.readRef();
            String productCategory = in.readRef();
            int birth =
                    (head & HAS_BIRTH) != 0 ? unZigZag(in.readVarInt()) : LedgerEvent.NO_BIRTH_DATE;
            int flags =
                    (head & WIDE_FLAGS) != 0
                            ? unZigZag(in.readVarInt())
                            : head >>> FLAGS_SHIFT & FLAGS_MASK;
            ledger.events.add(
                    new LedgerEvent(
                            id,
                            type,
                            at,
                            brand,
                            channel,
                            purpose,
                            productCategory,
                            birth,
                            registry,
                            suppression,
                            method,
                            flags,
                            origin));
        }
        int sends = in.readCount(2);
        for (int i = 0; i < sends; i++) {
            String id = in.readString();
            at += unZigZag(in.readVarLong());
            if (ledger.sendTimes.put(id, at) != null) {
                throw corrupt("repeated message id");
            }
        }
        int mask = in.readVarInt();
        if ((mask & -(1 << CHANNELS.length)) != 0) {
            throw corrupt("unknown channel");
        }
        for (int c = 0; c < CHANNELS.length; c++) {
            if ((mask & 1 << c) != 0) {
                int k = in.readCount(1);
                if (k == 0) {
                    throw corrupt("empty times");
                }
                long[] times = new long[k];
                for (int i = 0; i < k; i++) {
                    at += unZigZag(in.readVarLong());
                    times[i] = at;
                }
                ledger.allowTimes[c] = times;
            }
        }
        if (in.remaining() != 0) {
            throw corrupt("trailing bytes");
        }
    }

    /** Version 1, written by the previous release (DataOutputStream, writeUTF strings). */
    private static void readV1(Reader in, SubjectLedger ledger) {
        String[] strings = new String[in.readV1Count(2)];
        for (int i = 0; i < strings.length; i++) {
            strings[i] = in.readModifiedUtf8();
        }
        ledger.erased = in.readByte() != 0;
        ledger.erasureEventId = readV1Ref(in, strings);
        int n = in.readV1Count(12);
        ledger.events.ensureCapacity(n);
        long at = 0;
        for (int i = 0; i < n; i++) {
            ConsentEventType type = enumAt(TYPES, in.readByte());
            at += unZigZag(in.readVarLong());
            String id = readV1Ref(in, strings);
            String brand = readV1Ref(in, strings);
            String purpose = readV1Ref(in, strings);
            String productCategory = readV1Ref(in, strings);
            byte ch = in.readByte();
            byte reg = in.readByte();
            byte sup = in.readByte();
            byte method = in.readByte();
            int flags = in.readByte();
            byte origin = in.readByte();
            int birth =
                    type == ConsentEventType.AGE_DECLARED
                            ? in.readInt()
                            : LedgerEvent.NO_BIRTH_DATE;
            ledger.events.add(
                    new LedgerEvent(
                            id,
                            type,
                            at,
                            brand,
                            ch < 0 ? null : enumAt(CHANNELS, ch),
                            purpose,
                            productCategory,
                            birth,
                            reg < 0 ? null : enumAt(REGISTRIES, reg),
                            sup < 0 ? null : enumAt(SUPPRESSIONS, sup),
                            method < 0 ? null : enumAt(METHODS, method),
                            flags,
                            enumAt(ORIGINS, origin)));
        }
        int sends = in.readV1Count(10);
        for (int i = 0; i < sends; i++) {
            ledger.sendTimes.put(in.readModifiedUtf8(), in.readLong());
        }
        for (int c = 0; c < ledger.allowTimes.length; c++) {
            int k = (int) in.readVarLong();
            if (k > 0) {
                if (k > in.remaining() / 8) {
                    throw corrupt("truncated");
                }
                long[] times = new long[k];
                for (int i = 0; i < k; i++) {
                    times[i] = in.readLong();
                }
                ledger.allowTimes[c] = times;
            }
        }
    }

    private static String readV1Ref(Reader in, String[] strings) {
        int ref = (int) in.readVarLong();
        if (ref == 0) {
            return null;
        }
        if (ref < 0 || ref > strings.length) {
            throw corrupt("bad string reference");
        }
        return strings[ref - 1];
    }

    private static int ordinalPlusOne(Enum<?> e) {
        return e == null ? 0 : e.ordinal() + 1;
    }

    private static <E> E enumAt(E[] values, int ordinal) {
        if (ordinal < 0 || ordinal >= values.length) {
            throw corrupt("unknown enum ordinal");
        }
        return values[ordinal];
    }

    private static <E> E nullableEnumAt(E[] values, int ordinalPlusOne) {
        return ordinalPlusOne == 0 ? null : enumAt(values, ordinalPlusOne - 1);
    }

    private static IllegalStateException corrupt(String what) {
        return new IllegalStateException("Corrupt ledger state: " + what);
    }

    private static long zigZag(long v) {
        return (v << 1) ^ (v >> 63);
    }

    private static long unZigZag(long v) {
        return (v >>> 1) ^ -(v & 1);
    }

    private static int zigZag(int v) {
        return (v << 1) ^ (v >> 31);
    }

    private static int unZigZag(int v) {
        return (v >>> 1) ^ -(v & 1);
    }

    /**
     * A growable byte array with the version 2 primitives. One per thread, reused by every
     * toBytes() on that thread (which calls no foreign code while writing, so it cannot re-enter).
     */
    private static final class Writer {
        private static final int INITIAL_CAPACITY = 512;
        private static final int RETAINED_CAPACITY = 64 * 1024;
        private static final int MAX_CAPACITY = Integer.MAX_VALUE - 16;
        private static final int INITIAL_SLOTS = 32;
        private static final int RETAINED_SLOTS = 1024;

        private byte[] buf = new byte[INITIAL_CAPACITY];
        private int pos;

        /**
         * The string table written so far, as an open-addressing hash set that is reused: string by
         * slot, and its table index + 1. Cheaper than a linear scan past a few strings and than a
         * HashMap (no allocation, no boxing).
         */
        private String[] slots = new String[INITIAL_SLOTS];

        private int[] slotIndex = new int[INITIAL_SLOTS];
        private int tableSize;

        private void ensure(long n) {
            if (n > buf.length - pos) {
                grow(n);
            }
        }

        private void grow(long n) {
            long needed = pos + n;
            if (needed > MAX_CAPACITY) {
                throw new IllegalStateException("Ledger state too large to serialize");
            }
            long doubled = Math.min(2L * buf.length, MAX_CAPACITY);
            buf = Arrays.copyOf(buf, (int) Math.max(needed, doubled));
        }

        void putByte(int b) {
            ensure(1);
            buf[pos++] = (byte) b;
        }

        void putVarInt(int v) {
            ensure(5);
            byte[] b = buf;
            int p = pos;
            while ((v & ~0x7F) != 0) {
                b[p++] = (byte) (v | 0x80);
                v >>>= 7;
            }
            b[p++] = (byte) v;
            pos = p;
        }

        void putVarLong(long v) {
            ensure(10);
            byte[] b = buf;
            int p = pos;
            while ((v & ~0x7FL) != 0) {
                b[p++] = (byte) (v | 0x80);
                v >>>= 7;
            }
            b[p++] = (byte) v;
            pos = p;
        }

        /** Null, or the UTF-8 length + 1 and the bytes (unpaired surrogates as 3 bytes). */
        void putString(String s) {
            if (s == null) {
                putByte(0);
                return;
            }
            int n = s.length();
            ensure(n + 5L);
            int start = pos;
            int lengthBytes = varIntSize(n + 1);
            byte[] b = buf;
            int p = start + lengthBytes;
            int i = 0;
            for (; i < n; i++) {
                char c = s.charAt(i);
                if (c >= 0x80) {
                    break;
                }
                b[p + i] = (byte) c;
            }
            if (i == n) { // ASCII: one byte per char
                putVarInt(n + 1);
                pos = p + n;
                return;
            }
            long length = utf8Length(s, i);
            if (length > MAX_CAPACITY) {
                throw new IllegalStateException("Ledger state too large to serialize");
            }
            ensure(length + 5);
            putVarInt((int) length + 1);
            b = buf;
            p = pos;
            for (i = 0; i < n; i++) {
                char c = s.charAt(i);
                if (c < 0x80) {
                    b[p++] = (byte) c;
                } else if (c < 0x800) {
                    b[p++] = (byte) (0xC0 | c >> 6);
                    b[p++] = (byte) (0x80 | c & 0x3F);
                } else if (Character.isHighSurrogate(c)
                        && i + 1 < n
                        && Character.isLowSurrogate(s.charAt(i + 1))) {
                    int cp = Character.toCodePoint(c, s.charAt(++i));
                    b[p++] = (byte) (0xF0 | cp >> 18);
                    b[p++] = (byte) (0x80 | cp >> 12 & 0x3F);
                    b[p++] = (byte) (0x80 | cp >> 6 & 0x3F);
                    b[p++] = (byte) (0x80 | cp & 0x3F);
                } else {
                    b[p++] = (byte) (0xE0 | c >> 12);
                    b[p++] = (byte) (0x80 | c >> 6 & 0x3F);
                    b[p++] = (byte) (0x80 | c & 0x3F);
                }
            }
            pos = p;
        }

        /** A string table reference: 0 for null, 1 + the string when new, else index + 2. */
        void putRef(String s) {
            if (s == null) {
                putByte(0);
                return;
            }
            String[] keys = slots;
            int mask = keys.length - 1;
            int i = spread(s.hashCode()) & mask;
            for (String k; (k = keys[i]) != null; i = (i + 1) & mask) {
                if (k == s || k.equals(s)) {
                    putVarInt(slotIndex[i] + 1);
                    return;
                }
            }
            keys[i] = s;
            slotIndex[i] = ++tableSize;
            if (2 * tableSize > keys.length) {
                rehash(keys.length * 2);
            }
            putByte(1);
            putString(s);
        }

        private void rehash(int capacity) {
            String[] oldKeys = slots;
            int[] oldIndex = slotIndex;
            slots = new String[capacity];
            slotIndex = new int[capacity];
            int mask = capacity - 1;
            for (int j = 0; j < oldKeys.length; j++) {
                String k = oldKeys[j];
                if (k != null) {
                    int i = spread(k.hashCode()) & mask;
                    while (slots[i] != null) {
                        i = (i + 1) & mask;
                    }
                    slots[i] = k;
                    slotIndex[i] = oldIndex[j];
                }
            }
        }

        private static int spread(int h) {
            return h ^ (h >>> 16);
        }

        byte[] toByteArray() {
            return Arrays.copyOf(buf, pos);
        }

        /** Forgets this call's output and strings; drops a buffer grown for a huge ledger. */
        void reset() {
            pos = 0;
            if (buf.length > RETAINED_CAPACITY) {
                buf = new byte[INITIAL_CAPACITY];
            }
            if (tableSize > 0) {
                tableSize = 0;
                if (slots.length > RETAINED_SLOTS) {
                    slots = new String[INITIAL_SLOTS];
                    slotIndex = new int[INITIAL_SLOTS];
                } else {
                    Arrays.fill(slots, null);
                }
            }
        }

        private static int varIntSize(int v) {
            return v < 1 << 7 ? 1 : v < 1 << 14 ? 2 : v < 1 << 21 ? 3 : v < 1 << 28 ? 4 : 5;
        }

        private static long utf8Length(String s, int from) {
            long length = from;
            int n = s.length();
            for (int i = from; i < n; i++) {
                char c = s.charAt(i);
                if (c < 0x80) {
                    length++;
                } else if (c < 0x800) {
                    length += 2;
                } else if (Character.isHighSurrogate(c)
                        && i + 1 < n
                        && Character.isLowSurrogate(s.charAt(i + 1))) {
                    length += 4;
                    i++;
                } else {
                    length += 3;
                }
            }
            return length;
        }
    }

    /** Bounds-checked reads over a byte array: running out is corrupt state, never an AIOOBE. */
    private static final class Reader {
        private final byte[] buf;
        private int pos;
        private String[] table;
        private int tableSize;

        Reader(byte[] buf, int pos) {
            this.buf = buf;
            this.pos = pos;
        }

        int remaining() {
            return buf.length - pos;
        }

        byte readByte() {
            if (pos >= buf.length) {
                throw corrupt("truncated");
            }
            return buf[pos++];
        }

        int readVarInt() {
            int v = 0;
            for (int shift = 0; shift < 32; shift += 7) {
                byte b = readByte();
                v |= (b & 0x7F) << shift;
                if (b >= 0) {
                    if (shift == 28 && (b & 0x70) != 0) {
                        throw corrupt("varint too long");
                    }
                    return v;
                }
            }
            throw corrupt("varint too long");
        }

        long readVarLong() {
            long v = 0;
            for (int shift = 0; shift < 64; shift += 7) {
                byte b = readByte();
                v |= (long) (b & 0x7F) << shift;
                if (b >= 0) {
                    return v;
                }
            }
            throw corrupt("varint too long");
        }

        /** A count of items that take at least {@code minBytes} each: bounded by what is left. */
        int readCount(int minBytes) {
            int n = readVarInt();
            if (n < 0 || n > remaining() / minBytes) {
                throw corrupt("count exceeds the input");
            }
            return n;
        }

        /** Version 1 counts: a varint cut to an int, as the old DataInputStream reader did. */
        int readV1Count(int minBytes) {
            int n = (int) readVarLong();
            if (n < 0 || n > remaining() / minBytes) {
                throw corrupt("count exceeds the input");
            }
            return n;
        }

        int readInt() {
            if (remaining() < 4) {
                throw corrupt("truncated");
            }
            byte[] b = buf;
            int p = pos;
            pos = p + 4;
            return (b[p] & 0xFF) << 24
                    | (b[p + 1] & 0xFF) << 16
                    | (b[p + 2] & 0xFF) << 8
                    | (b[p + 3] & 0xFF);
        }

        long readLong() {
            if (remaining() < 8) {
                throw corrupt("truncated");
            }
            long hi = readInt() & 0xFFFFFFFFL;
            return hi << 32 | (readInt() & 0xFFFFFFFFL);
        }

        /** Version 2: null, or a varint UTF-8 length + 1 and the bytes. */
        String readString() {
            int lengthPlusOne = readVarInt();
            if (lengthPlusOne == 0) {
                return null;
            }
            int length = lengthPlusOne - 1;
            if (length < 0 || length > remaining()) {
                throw corrupt("string exceeds the input");
            }
            return decode(length, true);
        }

        /** Version 2: a string table reference (see Writer.putRef). */
        String readRef() {
            int ref = readVarInt();
            if (ref == 0) {
                return null;
            }
            if (ref == 1) {
                String s = readString();
                if (s == null) {
                    throw corrupt("null string in the table");
                }
                if (table == null) {
                    table = new String[8];
                } else if (tableSize == table.length) {
                    table = Arrays.copyOf(table, tableSize * 2);
                }
                table[tableSize++] = s;
                return s;
            }
            if (ref < 0 || ref - 2 >= tableSize) {
                throw corrupt("bad string reference");
            }
            return table[ref - 2];
        }

        /** Version 1: DataInput.readUTF's unsigned 16-bit length and modified UTF-8. */
        String readModifiedUtf8() {
            if (remaining() < 2) {
                throw corrupt("truncated");
            }
            int length = (buf[pos] & 0xFF) << 8 | (buf[pos + 1] & 0xFF);
            pos += 2;
            if (length > remaining()) {
                throw corrupt("string exceeds the input");
            }
            return decode(length, false);
        }

        /**
         * Decodes {@code length} bytes of 1 to 3 byte sequences (surrogates included, as modified
         * UTF-8 and unpaired surrogates in version 2 have them) and, in version 2, 4 byte ones.
         */
        private String decode(int length, boolean fourByteSequences) {
            byte[] b = buf;
            int start = pos;
            int end = start + length;
            pos = end;
            int i = start;
            while (i < end && b[i] >= 0) {
                i++;
            }
            if (i == end) {
                return new String(b, start, length, StandardCharsets.ISO_8859_1);
            }
            char[] chars = new char[length];
            int n = 0;
            for (int k = start; k < i; k++) {
                chars[n++] = (char) b[k];
            }
            while (i < end) {
                int c = b[i] & 0xFF;
                if (c < 0x80) {
                    chars[n++] = (char) c;
                    i++;
                } else if (c >= 0xC0 && c < 0xE0) {
                    if (end - i < 2) {
                        throw corrupt("bad string");
                    }
                    chars[n++] = (char) ((c & 0x1F) << 6 | continuation(b[i + 1]));
                    i += 2;
                } else if (c >= 0xE0 && c < 0xF0) {
                    if (end - i < 3) {
                        throw corrupt("bad string");
                    }
                    chars[n++] =
                            (char)
                                    ((c & 0x0F) << 12
                                            | continuation(b[i + 1]) << 6
                                            | continuation(b[i + 2]));
                    i += 3;
                } else if (fourByteSequences && c >= 0xF0 && c < 0xF8) {
                    if (end - i < 4) {
                        throw corrupt("bad string");
                    }
                    int cp =
                            (c & 0x07) << 18
                                    | continuation(b[i + 1]) << 12
                                    | continuation(b[i + 2]) << 6
                                    | continuation(b[i + 3]);
                    if (cp < Character.MIN_SUPPLEMENTARY_CODE_POINT
                            || cp > Character.MAX_CODE_POINT) {
                        throw corrupt("bad string");
                    }
                    chars[n++] = Character.highSurrogate(cp);
                    chars[n++] = Character.lowSurrogate(cp);
                    i += 4;
                } else {
                    throw corrupt("bad string");
                }
            }
            return new String(chars, 0, n);
        }

        private static int continuation(byte b) {
            if ((b & 0xC0) != 0x80) {
                throw corrupt("bad string");
            }
            return b & 0x3F;
        }
    }
}
