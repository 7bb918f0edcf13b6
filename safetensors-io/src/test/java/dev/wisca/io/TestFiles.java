package dev.wisca.io;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.function.Executable;

/** Literal safetensors byte vectors for tests: an 8-byte little-endian length, the JSON, the data. */
final class TestFiles {
    static final Path FILE = Path.of("test.safetensors");

    private TestFiles() {}

    static byte[] le64(long value) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(value).array();
    }

    static byte[] utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] part : parts) out.writeBytes(part);
        return out.toByteArray();
    }

    /** A file whose header is {@code json} (N = its UTF-8 length) followed by {@code data}. */
    static byte[] file(String json, byte[] data) {
        byte[] header = utf8(json);
        return concat(le64(header.length), header, data);
    }

    /** A file whose header is {@code json} followed by {@code dataLength} zero bytes. */
    static byte[] file(String json, int dataLength) {
        return file(json, new byte[dataLength]);
    }

    /** A file whose header is raw bytes (N = their count) followed by {@code dataLength} zero bytes. */
    static byte[] rawHeaderFile(byte[] header, int dataLength) {
        return concat(le64(header.length), header, new byte[dataLength]);
    }

    /** One tensor entry as JSON. */
    static String entry(String name, String dtype, String shape, long begin, long end) {
        return "\"" + name + "\":{\"dtype\":\"" + dtype + "\",\"shape\":" + shape + ",\"data_offsets\":[" + begin + "," + end + "]}";
    }

    static Header parse(byte[] bytes) {
        return HeaderParser.parse(bytes, FILE);
    }

    /** Asserts that parsing fails with {@code kind} and names the file. */
    static WiscaException assertParseFails(ErrorKind kind, byte[] bytes) {
        return assertFails(kind, () -> parse(bytes));
    }

    static WiscaException assertFails(ErrorKind kind, Executable action) {
        WiscaException e = assertThrows(WiscaException.class, action);
        assertEquals(kind, e.kind(), e::getMessage);
        return e;
    }
}
