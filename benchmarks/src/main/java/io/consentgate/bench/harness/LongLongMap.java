package io.consentgate.bench.harness;

import java.util.Arrays;

/**
 * An open-addressing map from long to long, for the millions of per-send entries the harness keeps
 * (decision per send, production time per send) without a boxed object per entry. Key 0 is
 * reserved; callers hash their keys with {@link #mix} first, which never returns 0.
 */
final class LongLongMap {
    private long[] keys;
    private long[] values;
    private int size;
    private int mask;

    LongLongMap(int expected) {
        int capacity = Integer.highestOneBit(Math.max(16, expected * 2 - 1)) << 1;
        keys = new long[capacity];
        values = new long[capacity];
        mask = capacity - 1;
    }

    /** A well-mixed 64-bit value of {@code x}, never 0. */
    static long mix(long x) {
        x = (x ^ (x >>> 33)) * 0xff51afd7ed558ccdL;
        x = (x ^ (x >>> 33)) * 0xc4ceb9fe1a85ec53L;
        x = x ^ (x >>> 33);
        return x == 0 ? 1 : x;
    }

    /** 64-bit FNV-1a of a string's chars. */
    static long hash(CharSequence s) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < s.length(); i++) {
            h ^= s.charAt(i);
            h *= 0x100000001b3L;
        }
        return h;
    }

    /** 64-bit FNV-1a of bytes. */
    static long hash(byte[] b) {
        long h = 0xcbf29ce484222325L;
        for (byte x : b) {
            h ^= x & 0xff;
            h *= 0x100000001b3L;
        }
        return h;
    }

    int size() {
        return size;
    }

    boolean containsKey(long key) {
        return keys[slot(key)] == key;
    }

    /** The value, or {@code missing}. */
    long get(long key, long missing) {
        int i = slot(key);
        return keys[i] == key ? values[i] : missing;
    }

    void put(long key, long value) {
        if (key == 0) {
            throw new IllegalArgumentException("key 0 is reserved");
        }
        int i = slot(key);
        if (keys[i] != key) {
            keys[i] = key;
            size++;
        }
        values[i] = value;
        if (size * 2 > keys.length) {
            grow();
        }
    }

    /**
     * Puts under the first free occurrence key of {@code key} (key, then mix(key + 1), ...) and
     * returns the occurrence number: repeated keys (the same message id decided twice at the same
     * instant) keep one entry each, in arrival order.
     */
    int putOccurrence(long key, long value) {
        int n = 0;
        long k = key;
        while (containsKey(k)) {
            n++;
            k = mix(key + n);
        }
        put(k, value);
        return n;
    }

    /** The key of occurrence {@code n} of {@code key}. */
    static long occurrence(long key, int n) {
        return n == 0 ? key : mix(key + n);
    }

    private int slot(long key) {
        int i = (int) (key ^ (key >>> 32)) & mask;
        while (keys[i] != 0 && keys[i] != key) {
            i = (i + 1) & mask;
        }
        return i;
    }

    private void grow() {
        long[] oldKeys = keys;
        long[] oldValues = values;
        keys = new long[oldKeys.length * 2];
        values = new long[oldKeys.length * 2];
        mask = keys.length - 1;
        size = 0;
        for (int i = 0; i < oldKeys.length; i++) {
            if (oldKeys[i] != 0) {
                put(oldKeys[i], oldValues[i]);
            }
        }
    }

    void clear() {
        Arrays.fill(keys, 0);
        size = 0;
    }
}
