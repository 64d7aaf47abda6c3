package io.consentgate.filter.io;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import org.apache.avro.io.BinaryDecoder;
import org.apache.avro.io.Decoder;
import org.apache.avro.io.DecoderFactory;
import org.apache.avro.util.Utf8;

/**
 * An Avro binary decoder over one byte array that refuses hostile input: a string, bytes, array or
 * map length larger than the bytes left ends decoding with {@link EOFException} before anything is
 * allocated (Avro itself would allocate up to 2 GB for a corrupt length), and strings must be valid
 * UTF-8 ({@link CharacterCodingException}; Avro would silently replace bad bytes).
 */
final class BoundedDecoder extends Decoder {
    private final ByteArrayInputStream in;
    private final BinaryDecoder d;
    private final CharsetDecoder utf8 =
            StandardCharsets.UTF_8
                    .newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);

    BoundedDecoder(byte[] bytes, int offset, int length) {
        this.in = new ByteArrayInputStream(bytes, offset, length);
        this.d = DecoderFactory.get().directBinaryDecoder(in, null);
    }

    /** Bytes not consumed yet. */
    int remaining() {
        return in.available();
    }

    private int length() throws IOException {
        long n = d.readLong();
        if (n < 0) {
            throw new IOException("negative length");
        }
        return checkFits(n);
    }

    private int checkFits(long n) throws EOFException {
        if (n > remaining()) {
            throw new EOFException("a length or item count exceeds the bytes left");
        }
        return (int) n;
    }

    private byte[] bytes() throws IOException {
        byte[] b = new byte[length()];
        d.readFixed(b, 0, b.length);
        return b;
    }

    @Override
    public void readNull() throws IOException {
        d.readNull();
    }

    @Override
    public boolean readBoolean() throws IOException {
        return d.readBoolean();
    }

    @Override
    public int readInt() throws IOException {
        return d.readInt();
    }

    @Override
    public long readLong() throws IOException {
        return d.readLong();
    }

    @Override
    public float readFloat() throws IOException {
        return d.readFloat();
    }

    @Override
    public double readDouble() throws IOException {
        return d.readDouble();
    }

    @Override
    public Utf8 readString(Utf8 old) throws IOException {
        byte[] b = bytes();
        if (!isAscii(b)) {
            utf8.decode(ByteBuffer.wrap(b)); // throws on malformed UTF-8
        }
        return new Utf8(b);
    }

    @Override
    public String readString() throws IOException {
        byte[] b = bytes();
        // Ids and codes are ASCII: one pass, no decoder buffers (this showed in profiles).
        return isAscii(b)
                ? new String(b, StandardCharsets.ISO_8859_1)
                : utf8.decode(ByteBuffer.wrap(b)).toString();
    }

    private static boolean isAscii(byte[] b) {
        for (byte x : b) {
            if (x < 0) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void skipString() throws IOException {
        d.skipFixed(length());
    }

    @Override
    public ByteBuffer readBytes(ByteBuffer old) throws IOException {
        return ByteBuffer.wrap(bytes());
    }

    @Override
    public void skipBytes() throws IOException {
        d.skipFixed(length());
    }

    @Override
    public void readFixed(byte[] bytes, int start, int length) throws IOException {
        checkFits(length);
        d.readFixed(bytes, start, length);
    }

    @Override
    public void skipFixed(int length) throws IOException {
        checkFits(length);
        d.skipFixed(length);
    }

    @Override
    public int readEnum() throws IOException {
        return d.readEnum();
    }

    @Override
    public long readArrayStart() throws IOException {
        return checkFits(d.readArrayStart());
    }

    @Override
    public long arrayNext() throws IOException {
        return checkFits(d.arrayNext());
    }

    @Override
    public long skipArray() throws IOException {
        return checkFits(d.skipArray());
    }

    @Override
    public long readMapStart() throws IOException {
        return checkFits(d.readMapStart());
    }

    @Override
    public long mapNext() throws IOException {
        return checkFits(d.mapNext());
    }

    @Override
    public long skipMap() throws IOException {
        return checkFits(d.skipMap());
    }

    @Override
    public int readIndex() throws IOException {
        return d.readIndex();
    }
}
