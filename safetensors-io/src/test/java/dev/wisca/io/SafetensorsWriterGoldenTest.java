package dev.wisca.io;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.lang.foreign.MemorySegment;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Exact bytes of written files, derived by hand from the format rules and the reference's own test vectors. */
class SafetensorsWriterGoldenTest {
    @TempDir Path dir;

    @Test
    void singleI32TensorWithoutMetadataHasHeaderLength64() throws Exception {
        byte[] data = le32(1, 2, 3, 4);
        byte[] written = writeFile(List.of(new TensorSpec("test", Dtype.I32, new long[] {2, 2})), Map.of(), Map.of("test", data));

        String json = "{\"test\":{\"dtype\":\"I32\",\"shape\":[2,2],\"data_offsets\":[0,16]}}";
        assertEquals(60, json.length());
        assertArrayEquals(concat(le64(64), ascii(json + "    "), data), written);
    }

    @Test
    void emptyFileIsBracesPaddedToEight() throws Exception {
        byte[] written = writeFile(List.of(), Map.of(), Map.of());
        assertArrayEquals(new byte[] {8, 0, 0, 0, 0, 0, 0, 0, '{', '}', ' ', ' ', ' ', ' ', ' ', ' '}, written);
    }

    /** The reference's test_empty with {"framework":"pt"}: N = 40. */
    @Test
    void metadataOnlyMatchesReferenceVector() throws Exception {
        byte[] written = writeFile(List.of(), Map.of("framework", "pt"), Map.of());
        assertArrayEquals(concat(le64(40), ascii("{\"__metadata__\":{\"framework\":\"pt\"}}     ")), written);
    }

    /** The reference's test_serialization (N = 64, no padding) and test_serialization_forced_alignement (N = 72). */
    @Test
    void f32TensorsMatchReferenceVectors() throws Exception {
        byte[] data = le32f(0f, 1f, 2f, 3f, 4f, 5f);
        byte[] unpadded = writeFile(List.of(new TensorSpec("attn.0", Dtype.F32, new long[] {1, 2, 3})), Map.of(), Map.of("attn.0", data));
        assertArrayEquals(concat(le64(64), ascii("{\"attn.0\":{\"dtype\":\"F32\",\"shape\":[1,2,3],\"data_offsets\":[0,24]}}"), data), unpadded);

        byte[] padded = writeFile(List.of(new TensorSpec("attn0", Dtype.F32, new long[] {1, 1, 2, 3})), Map.of(), Map.of("attn0", data));
        assertArrayEquals(concat(le64(72), ascii("{\"attn0\":{\"dtype\":\"F32\",\"shape\":[1,1,2,3],\"data_offsets\":[0,24]}}       "), data), padded);
    }

    @Test
    void mixedDtypesSortByDtypeDescendingThenName() throws Exception {
        List<TensorSpec> specs = List.of(
            new TensorSpec("a", Dtype.F16, new long[] {3}),
            new TensorSpec("z", Dtype.F32, new long[] {1}),
            new TensorSpec("c", Dtype.U8, new long[] {5}),
            new TensorSpec("b", Dtype.F32, new long[] {2}),
            new TensorSpec("e", Dtype.BOOL, new long[] {2}),
            new TensorSpec("d", Dtype.I64, new long[] {}));
        Map<String, byte[]> data = new LinkedHashMap<>();
        data.put("d", bytes(8, 0x10));
        data.put("b", bytes(8, 0x20));
        data.put("z", bytes(4, 0x30));
        data.put("a", bytes(6, 0x40));
        data.put("c", bytes(5, 0x50));
        data.put("e", new byte[] {1, 0});
        byte[] written = writeFile(specs, Map.of("format", "pt"), data);

        String json = "{\"__metadata__\":{\"format\":\"pt\"},"
            + "\"d\":{\"dtype\":\"I64\",\"shape\":[],\"data_offsets\":[0,8]},"
            + "\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]},"
            + "\"z\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[16,20]},"
            + "\"a\":{\"dtype\":\"F16\",\"shape\":[3],\"data_offsets\":[20,26]},"
            + "\"c\":{\"dtype\":\"U8\",\"shape\":[5],\"data_offsets\":[26,31]},"
            + "\"e\":{\"dtype\":\"BOOL\",\"shape\":[2],\"data_offsets\":[31,33]}}";
        assertEquals(358, json.length());
        assertArrayEquals(concat(le64(360), ascii(json + "  "), data.get("d"), data.get("b"), data.get("z"),
            data.get("a"), data.get("c"), data.get("e")), written);
    }

    @Test
    void escapesNamesAsSerdeJson() throws Exception {
        String name = "q\"b\\s/n\nt\tc\u0001\u001f\u007fé";
        byte[] written = writeFile(List.of(new TensorSpec(name, Dtype.U8, new long[] {0})), Map.of("k\b\f\r", "v"), Map.of(name, new byte[0]));

        String json = "{\"__metadata__\":{\"k\\b\\f\\r\":\"v\"},"
            + "\"q\\\"b\\\\s/n\\nt\\tc\\u0001\\u001f\u007fé\":{\"dtype\":\"U8\",\"shape\":[0],\"data_offsets\":[0,0]}}";
        byte[] utf8 = json.getBytes(StandardCharsets.UTF_8);
        assertEquals(113, utf8.length);
        assertArrayEquals(concat(le64(120), utf8, ascii("       ")), written);
    }

    /** U+FFFD sorts before U+1F600 in UTF-8 byte order, after it in UTF-16 order. */
    @Test
    void sortsNamesByCodePoint() throws Exception {
        String emoji = "\uD83D\uDE00";
        String replacement = "\uFFFD";
        SafetensorsWriter writer = SafetensorsWriter.create(dir.resolve("order.safetensors"),
            List.of(new TensorSpec(emoji, Dtype.U8, new long[] {1}), new TensorSpec(replacement, Dtype.U8, new long[] {1})), Map.of());
        try (writer) {
            assertEquals(List.of(replacement, emoji), writer.fileOrder().stream().map(TensorSpec::name).toList());
        }
    }

    @Test
    void convenienceOverloadAddsFormatPt() throws Exception {
        Path file = dir.resolve("pt.safetensors");
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, List.of())) {
            writer.commit();
        }
        assertArrayEquals(concat(le64(32), ascii("{\"__metadata__\":{\"format\":\"pt\"}}")), Files.readAllBytes(file));
    }

    @Test
    void rejectsBadSpecsWithTypedErrors() {
        Path file = dir.resolve("bad.safetensors");
        assertEquals(ErrorKind.DUPLICATE_TENSOR, assertThrows(WiscaException.class, () -> SafetensorsWriter.create(file,
            List.of(new TensorSpec("x", Dtype.U8, new long[] {1}), new TensorSpec("x", Dtype.F32, new long[] {1})))).kind());
        assertEquals(ErrorKind.MISALIGNED_SLICE, assertThrows(WiscaException.class, () -> SafetensorsWriter.create(file,
            List.of(new TensorSpec("f4", Dtype.F4, new long[] {3})))).kind());
        assertEquals(ErrorKind.VALIDATION_OVERFLOW, assertThrows(WiscaException.class, () -> SafetensorsWriter.create(file,
            List.of(new TensorSpec("big", Dtype.F64, new long[] {1L << 40, 1L << 30})))).kind());
        assertEquals(ErrorKind.INVALID_ARGUMENT, assertThrows(WiscaException.class, () -> SafetensorsWriter.create(file,
            List.of(new TensorSpec("neg", Dtype.U8, new long[] {-1})))).kind());
        assertEquals(ErrorKind.INVALID_ARGUMENT, assertThrows(WiscaException.class, () -> SafetensorsWriter.create(file,
            List.of(new TensorSpec("__metadata__", Dtype.U8, new long[] {1})))).kind());
        assertEquals(ErrorKind.INVALID_ARGUMENT, assertThrows(WiscaException.class, () -> SafetensorsWriter.create(file,
            List.of(new TensorSpec("lone\uD800", Dtype.U8, new long[] {1})))).kind());
        assertEquals(List.of(), WriterFiles.list(dir));
    }

    @Test
    void subByteDtypesCountLogicalElements() throws Exception {
        byte[] written = writeFile(List.of(new TensorSpec("f4", Dtype.F4, new long[] {2, 3}), new TensorSpec("f6", Dtype.F6_E2M3, new long[] {4})),
            Map.of(), Map.of("f6", bytes(3, 0x66), "f4", bytes(3, 0x44)));
        String json = "{\"f6\":{\"dtype\":\"F6_E2M3\",\"shape\":[4],\"data_offsets\":[0,3]},\"f4\":{\"dtype\":\"F4\",\"shape\":[2,3],\"data_offsets\":[3,6]}}";
        assertEquals(114, json.length());
        assertArrayEquals(concat(le64(120), ascii(json + "      "), bytes(3, 0x66), bytes(3, 0x44)), written);
    }

    private byte[] writeFile(List<TensorSpec> specs, Map<String, String> metadata, Map<String, byte[]> data) throws Exception {
        Path file = Files.createTempFile(dir, "golden", ".safetensors");
        try (SafetensorsWriter writer = SafetensorsWriter.create(file, specs, metadata)) {
            for (TensorSpec spec : writer.fileOrder()) writer.write(spec.name(), MemorySegment.ofArray(data.get(spec.name())));
            writer.commit();
        }
        return Files.readAllBytes(file);
    }

    static byte[] le64(long v) {
        return ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(v).array();
    }

    static byte[] le32(int... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (int v : values) b.putInt(v);
        return b.array();
    }

    static byte[] le32f(float... values) {
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        for (float v : values) b.putFloat(v);
        return b.array();
    }

    static byte[] ascii(String s) {
        return s.getBytes(StandardCharsets.US_ASCII);
    }

    static byte[] bytes(int n, int firstValue) {
        byte[] b = new byte[n];
        for (int i = 0; i < n; i++) b[i] = (byte) (firstValue + i);
        return b;
    }

    static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) out.writeBytes(p);
        return out.toByteArray();
    }
}
