package io.consentgate.filter;

import io.consentgate.engine.SubjectLedger;
import java.io.ByteArrayOutputStream;
import java.util.Arrays;

/**
 * One subject's keyed state apart from the buffered and deferred records: the engine's ledger plus
 * the operator's bookkeeping (the cleanup timer, how many recent ALLOWs are stored, how many
 * deferred instants are held). One RocksDB value, so a decision reads and writes the subject once.
 *
 * <p>Bytes: a format version (1), a flag byte (1 = a cleanup timer is registered), the timer's time
 * as a zig-zag varint when there is one, the ALLOW and deferred-instant counts as varints, then the
 * ledger's own bytes ({@link SubjectLedger#toBytes}, nothing when the ledger is empty).
 */
final class SubjectState {
    private static final byte FORMAT_VERSION = 1;

    /** No cleanup timer registered. */
    static final long NO_TIMER = Long.MIN_VALUE;

    final SubjectLedger ledger;

    /** Event time of the registered cleanup timer, or {@link #NO_TIMER}. */
    long cleanupTimerAt = NO_TIMER;

    /** Entries in the recent-ALLOW list state (compacted past twice the configured maximum). */
    int allows;

    /** Instants with deferred sends held in the deferred map (each with its timer). */
    int deferredInstants;

    private SubjectState(SubjectLedger ledger) {
        this.ledger = ledger;
    }

    static SubjectState empty() {
        return new SubjectState(SubjectLedger.empty());
    }

    /** Decodes stored bytes; null (nothing stored) is the empty state. */
    static SubjectState fromBytes(byte[] bytes) {
        if (bytes == null) {
            return empty();
        }
        if (bytes.length == 0 || bytes[0] != FORMAT_VERSION) {
            throw new IllegalStateException(
                    "Unknown subject state format "
                            + (bytes.length == 0 ? "(empty)" : Byte.toString(bytes[0])));
        }
        if (bytes.length < 2) {
            throw new IllegalStateException("Corrupt subject state: truncated");
        }
        boolean hasTimer = bytes[1] == 1;
        int[] pos = {2};
        long timer = hasTimer ? unZigZag(readVarLong(bytes, pos)) : NO_TIMER;
        int allows = (int) readVarLong(bytes, pos);
        int deferred = (int) readVarLong(bytes, pos);
        SubjectLedger ledger =
                pos[0] == bytes.length
                        ? SubjectLedger.empty()
                        : SubjectLedger.fromBytes(Arrays.copyOfRange(bytes, pos[0], bytes.length));
        SubjectState s = new SubjectState(ledger);
        s.cleanupTimerAt = timer;
        s.allows = allows;
        s.deferredInstants = deferred;
        return s;
    }

    /** The bytes to store, or null when there is nothing to keep (the state can be cleared). */
    byte[] toBytes() {
        boolean emptyLedger = ledger.isEmpty();
        if (emptyLedger && cleanupTimerAt == NO_TIMER && allows == 0 && deferredInstants == 0) {
            return null;
        }
        byte[] ledgerBytes = emptyLedger ? new byte[0] : ledger.toBytes();
        ByteArrayOutputStream out = new ByteArrayOutputStream(ledgerBytes.length + 16);
        out.write(FORMAT_VERSION);
        out.write(cleanupTimerAt == NO_TIMER ? 0 : 1);
        if (cleanupTimerAt != NO_TIMER) {
            writeVarLong(out, zigZag(cleanupTimerAt));
        }
        writeVarLong(out, allows);
        writeVarLong(out, deferredInstants);
        out.write(ledgerBytes, 0, ledgerBytes.length);
        return out.toByteArray();
    }

    private static long zigZag(long v) {
        return (v << 1) ^ (v >> 63);
    }

    private static long unZigZag(long v) {
        return (v >>> 1) ^ -(v & 1);
    }

    private static void writeVarLong(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7FL) != 0) {
            out.write((int) ((v & 0x7F) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    private static long readVarLong(byte[] b, int[] pos) {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            if (pos[0] >= b.length) {
                throw new IllegalStateException("Corrupt subject state: truncated");
            }
            byte x = b[pos[0]++];
            v |= (long) (x & 0x7F) << shift;
            if ((x & 0x80) == 0) {
                return v;
            }
        }
        throw new IllegalStateException("Corrupt subject state: varint too long");
    }
}
