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
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Iterator;
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
    private static final byte FORMAT_VERSION = 1;

    private final ArrayList<LedgerEvent> events = new ArrayList<>();
    private boolean erased;
    private String erasureEventId;

    /** Message id to the time of the latest send with that id that was not a duplicate. */
    private final HashMap<String, Long> sendTimes = new HashMap<>();

    /** Per channel ordinal: ascending times of recent allowed marketing sends, or null. */
    private final long[][] allowTimes = new long[Channel.values().length][];

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
        for (Channel c : Channel.values()) {
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

    // ---- serialization: version byte, string table, then fixed-order fields -----------------

    public byte[] toBytes() {
        try {
            ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + events.size() * 24);
            DataOutputStream out = new DataOutputStream(bytes);
            out.writeByte(FORMAT_VERSION);
            Map<String, Integer> table = new HashMap<>();
            List<String> strings = new ArrayList<>();
            for (LedgerEvent e : events) {
                intern(e.id, table, strings);
                intern(e.brand, table, strings);
                intern(e.purpose, table, strings);
                intern(e.productCategory, table, strings);
            }
            intern(erasureEventId, table, strings);
            writeVarInt(out, strings.size());
            for (String s : strings) {
                out.writeUTF(s);
            }
            out.writeBoolean(erased);
            writeRef(out, erasureEventId, table);
            writeVarInt(out, events.size());
            long previousAt = 0;
            for (LedgerEvent e : events) {
                out.writeByte(e.type.ordinal());
                writeVarLong(out, zigZag(e.at - previousAt));
                previousAt = e.at;
                writeRef(out, e.id, table);
                writeRef(out, e.brand, table);
                writeRef(out, e.purpose, table);
                writeRef(out, e.productCategory, table);
                out.writeByte(e.channel == null ? -1 : e.channel.ordinal());
                out.writeByte(e.registry == null ? -1 : e.registry.ordinal());
                out.writeByte(e.suppression == null ? -1 : e.suppression.ordinal());
                out.writeByte(e.method == null ? -1 : e.method.ordinal());
                out.writeByte(e.evidenceFlags);
                out.writeByte(e.origin.ordinal());
                if (e.type == ConsentEventType.AGE_DECLARED) {
                    out.writeInt(e.birthEpochDay);
                }
            }
            writeVarInt(out, sendTimes.size());
            for (Map.Entry<String, Long> s : sendTimes.entrySet()) {
                out.writeUTF(s.getKey());
                out.writeLong(s.getValue());
            }
            for (long[] times : allowTimes) {
                writeVarInt(out, times == null ? 0 : times.length);
                if (times != null) {
                    for (long t : times) {
                        out.writeLong(t);
                    }
                }
            }
            out.flush();
            return bytes.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static SubjectLedger fromBytes(byte[] bytes) {
        SubjectLedger ledger = new SubjectLedger();
        if (bytes == null || bytes.length == 0) {
            return ledger;
        }
        try {
            DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes));
            byte version = in.readByte();
            if (version != FORMAT_VERSION) {
                throw new IllegalStateException("Unknown ledger format version " + version);
            }
            String[] strings = new String[readVarInt(in)];
            for (int i = 0; i < strings.length; i++) {
                strings[i] = in.readUTF();
            }
            ledger.erased = in.readBoolean();
            ledger.erasureEventId = readRef(in, strings);
            int n = readVarInt(in);
            long at = 0;
            ConsentEventType[] types = ConsentEventType.values();
            for (int i = 0; i < n; i++) {
                ConsentEventType type = types[in.readByte()];
                at += unZigZag(readVarLong(in));
                String id = readRef(in, strings);
                String brand = readRef(in, strings);
                String purpose = readRef(in, strings);
                String productCategory = readRef(in, strings);
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
                                ch < 0 ? null : Channel.values()[ch],
                                purpose,
                                productCategory,
                                birth,
                                reg < 0 ? null : PreferenceRegistry.values()[reg],
                                sup < 0 ? null : SuppressionKind.values()[sup],
                                method < 0 ? null : EvidenceMethod.values()[method],
                                flags,
                                DataOrigin.values()[origin]));
            }
            int sends = readVarInt(in);
            for (int i = 0; i < sends; i++) {
                ledger.sendTimes.put(in.readUTF(), in.readLong());
            }
            for (int c = 0; c < ledger.allowTimes.length; c++) {
                int k = readVarInt(in);
                if (k > 0) {
                    long[] times = new long[k];
                    for (int i = 0; i < k; i++) {
                        times[i] = in.readLong();
                    }
                    ledger.allowTimes[c] = times;
                }
            }
            return ledger;
        } catch (IOException | ArrayIndexOutOfBoundsException e) {
            throw new IllegalStateException("Corrupt ledger state", e);
        }
    }

    private static void intern(String s, Map<String, Integer> table, List<String> strings) {
        if (s != null && !table.containsKey(s)) {
            table.put(s, strings.size());
            strings.add(s);
        }
    }

    private static void writeRef(DataOutputStream out, String s, Map<String, Integer> table)
            throws IOException {
        writeVarInt(out, s == null ? 0 : table.get(s) + 1);
    }

    private static String readRef(DataInputStream in, String[] strings) throws IOException {
        int ref = readVarInt(in);
        return ref == 0 ? null : strings[ref - 1];
    }

    private static long zigZag(long v) {
        return (v << 1) ^ (v >> 63);
    }

    private static long unZigZag(long v) {
        return (v >>> 1) ^ -(v & 1);
    }

    private static void writeVarInt(DataOutputStream out, int v) throws IOException {
        writeVarLong(out, v & 0xFFFFFFFFL);
    }

    private static int readVarInt(DataInputStream in) throws IOException {
        return (int) readVarLong(in);
    }

    private static void writeVarLong(DataOutputStream out, long v) throws IOException {
        while ((v & ~0x7FL) != 0) {
            out.writeByte((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.writeByte((int) v);
    }

    private static long readVarLong(DataInputStream in) throws IOException {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte b = in.readByte();
            v |= (long) (b & 0x7F) << shift;
            if ((b & 0x80) == 0) {
                return v;
            }
        }
        throw new IOException("varint too long");
    }
}
