package dev.wisca.io.codec;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.function.DoubleToIntFunction;
import java.util.function.IntFunction;
import org.junit.jupiter.api.Test;

class ElementCodecTest {

    private static final List<Dtype> ENCODABLE = List.of(Dtype.F64, Dtype.F32, Dtype.F16, Dtype.BF16,
            Dtype.F8_E4M3, Dtype.F8_E5M2, Dtype.F8_E4M3FNUZ, Dtype.F8_E5M2FNUZ);

    @Test
    void writesLittleEndianBytesAtAnOddByteOffset() {
        assertBytesOf(Dtype.F64, 1.0, "000000000000f03f");
        assertBytesOf(Dtype.F32, 1.0, "0000803f");
        assertBytesOf(Dtype.F32, 1 + 0x1p-24 + 0x1p-50, "0100803f");
        assertBytesOf(Dtype.F16, 1.0, "003c");
        assertBytesOf(Dtype.F16, -2.5, "00c1");
        assertBytesOf(Dtype.BF16, 1.0, "803f");
        assertBytesOf(Dtype.BF16, -3.0, "40c0");
        assertBytesOf(Dtype.F8_E4M3, 1.0, "38");
        assertBytesOf(Dtype.F8_E5M2, 1.0, "3c");
        assertBytesOf(Dtype.F8_E4M3FNUZ, 1.0, "40");
        assertBytesOf(Dtype.F8_E5M2FNUZ, -1.0, "c0");
    }

    private static void assertBytesOf(Dtype dtype, double value, String hexLittleEndian) {
        byte[] expected = HexFormat.of().parseHex(hexLittleEndian);
        int width = expected.length;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment whole = arena.allocate(1 + 3L * width);
            whole.fill((byte) 0x5A);
            MemorySegment odd = whole.asSlice(1);
            ElementCodec codec = Codecs.of(dtype);
            codec.set(odd, 1, value);
            byte[] all = whole.toArray(ValueLayout.JAVA_BYTE);
            byte[] written = Arrays.copyOfRange(all, 1 + width, 1 + 2 * width);
            assertArrayEquals(expected, written, dtype + " " + value);
            for (int i = 0; i < all.length; i++) {
                if (i < 1 + width || i >= 1 + 2 * width) assertEquals((byte) 0x5A, all[i], "neighbour byte " + i);
            }
            double stored = codec.get(odd, 1);
            double[] viaBulk = new double[1];
            codec.decode(odd, 1, viaBulk, 1);
            assertEquals(stored, viaBulk[0]);
        }
    }

    @Test
    void bulkDecodingOfEverySixteenBitPatternMatchesTheScalarDecoders() {
        checkAllSixteenBitPatterns(Dtype.F16, Float16::toFloat);
        checkAllSixteenBitPatterns(Dtype.BF16, BFloat16::toFloat);
    }

    private static void checkAllSixteenBitPatterns(Dtype dtype, IntFunction<Float> scalar) {
        ByteBuffer bytes = ByteBuffer.allocate(1 + 2 * 0x10000).order(ByteOrder.LITTLE_ENDIAN);
        bytes.put((byte) 0);
        for (int bits = 0; bits < 0x10000; bits++) bytes.putShort((short) bits);
        MemorySegment segment = MemorySegment.ofArray(bytes.array()).asSlice(1);
        ElementCodec codec = Codecs.of(dtype);
        float[] floats = new float[0x10000 + 3];
        double[] doubles = new double[0x10000 + 3];
        codec.decode(segment, 0, floats, 3, 0x10000);
        codec.decode(segment, 0, doubles, 3, 0x10000);
        for (int bits = 0; bits < 0x10000; bits++) {
            int expected = Float.floatToRawIntBits(scalar.apply(bits));
            assertEquals(expected, Float.floatToRawIntBits(floats[3 + bits]), dtype + " float 0x" + Integer.toHexString(bits));
            assertEquals(expected, Float.floatToRawIntBits((float) doubles[3 + bits]), dtype + " double");
            assertEquals(expected, Float.floatToRawIntBits((float) codec.get(segment, bits)), dtype + " get");
        }
        float[] tail = new float[5];
        codec.decode(segment, 0x3C00, tail, 5);
        assertEquals(scalar.apply(0x3C04), tail[4]);
    }

    @Test
    void bulkDecodingOfEveryBytePatternMatchesTheScalarDecoders() {
        checkAllBytePatterns(Dtype.F8_E4M3, Float8E4M3::toFloat);
        checkAllBytePatterns(Dtype.F8_E5M2, Float8E5M2::toFloat);
        checkAllBytePatterns(Dtype.F8_E4M3FNUZ, Float8E4M3Fnuz::toFloat);
        checkAllBytePatterns(Dtype.F8_E5M2FNUZ, Float8E5M2Fnuz::toFloat);
        checkAllBytePatterns(Dtype.F8_E8M0, Float8E8M0::toFloat);
    }

    private static void checkAllBytePatterns(Dtype dtype, IntFunction<Float> scalar) {
        byte[] patterns = new byte[256];
        for (int bits = 0; bits < 256; bits++) patterns[bits] = (byte) bits;
        MemorySegment segment = MemorySegment.ofArray(patterns);
        float[] decoded = new float[256];
        Codecs.of(dtype).decode(segment, 0, decoded, 256);
        for (int bits = 0; bits < 256; bits++) {
            float expected = scalar.apply(bits);
            if (Float.isNaN(expected)) {
                assertTrue(Float.isNaN(decoded[bits]), dtype + " NaN 0x" + Integer.toHexString(bits));
            } else {
                assertEquals(expected, decoded[bits], dtype + " 0x" + Integer.toHexString(bits));
            }
        }
    }

    @Test
    void bulkEncodingMatchesScalarEncodingAndStaysInsideItsRange() {
        Random random = new Random(20250807);
        int count = 4099;
        double[] doubles = new double[count + 7];
        float[] floats = new float[count + 7];
        for (int i = 0; i < doubles.length; i++) {
            doubles[i] = random.nextGaussian() * Math.scalb(1.0, random.nextInt(40) - 20);
            floats[i] = (float) (random.nextGaussian() * Math.scalb(1.0, random.nextInt(40) - 20));
        }
        doubles[9] = Double.NaN;
        doubles[10] = Double.NEGATIVE_INFINITY;
        doubles[11] = -0.0;
        for (Dtype dtype : ENCODABLE) {
            checkBulkEncoding(dtype, doubles, floats, count);
        }
    }

    private static void checkBulkEncoding(Dtype dtype, double[] doubles, float[] floats, int count) {
        ElementCodec codec = Codecs.of(dtype);
        int width = dtype.byteSize();
        long toIndex = 5;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment fromDoubles = arena.allocate(1 + (count + 10L) * width).asSlice(1);
            MemorySegment fromFloats = arena.allocate(1 + (count + 10L) * width).asSlice(1);
            MemorySegment scalar = arena.allocate(1 + (count + 10L) * width).asSlice(1);
            codec.encode(doubles, 7, count, fromDoubles, toIndex);
            for (int i = 0; i < count; i++) codec.set(scalar, toIndex + i, doubles[7 + i]);
            assertEquals(-1L, scalar.mismatch(fromDoubles), dtype + " double[]");

            codec.encode(floats, 7, count, fromFloats, toIndex);
            DoubleToIntFunction exactBits = exactBitsOf(dtype);
            for (int i = 0; i < count; i++) {
                long byteOffset = (toIndex + i) * width;
                long stored = readLittleEndian(fromFloats, byteOffset, width);
                assertEquals(exactBits.applyAsInt(floats[7 + i]) & mask(width), stored, dtype + " float[] " + floats[7 + i]);
            }
            for (long b = 0; b < toIndex * width; b++) {
                assertEquals(0, fromDoubles.get(ValueLayout.JAVA_BYTE, b), "bytes before toIndex untouched");
            }
        }
    }

    /** The scalar encoder of each dtype, as bits; F32/F64 through the JDK. */
    private static DoubleToIntFunction exactBitsOf(Dtype dtype) {
        return switch (dtype) {
            case F32 -> v -> Float.floatToRawIntBits((float) v);
            case F64 -> v -> (int) Double.doubleToRawLongBits(v);
            case F16 -> v -> Float16.encode((float) v);
            case BF16 -> v -> BFloat16.encode((float) v);
            case F8_E4M3 -> v -> Float8E4M3.encode((float) v);
            case F8_E5M2 -> v -> Float8E5M2.encode((float) v);
            case F8_E4M3FNUZ -> v -> Float8E4M3Fnuz.encode((float) v);
            case F8_E5M2FNUZ -> v -> Float8E5M2Fnuz.encode((float) v);
            default -> throw new IllegalArgumentException(dtype.name());
        };
    }

    private static long mask(int width) { return width >= 4 ? 0xFFFF_FFFFL : (1L << (8 * width)) - 1; }

    private static long readLittleEndian(MemorySegment segment, long byteOffset, int width) {
        long value = 0;
        for (int i = Math.min(width, 4) - 1; i >= 0; i--) {
            value = value << 8 | (segment.get(ValueLayout.JAVA_BYTE, byteOffset + i) & 0xFF);
        }
        return value;
    }

    @Test
    void settingRoundsOnceFromDouble() {
        double justAboveF16Midpoint = 1 + 0x1p-11 + 0x1p-40;
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment segment = arena.allocate(16);
            ElementCodec f16 = Codecs.of(Dtype.F16);
            f16.set(segment, 0, justAboveF16Midpoint);
            assertEquals(1 + 0x1p-10, f16.get(segment, 0));
            ElementCodec bf16 = Codecs.of(Dtype.BF16);
            bf16.set(segment, 1, 1 + 0x1p-8 + 0x1p-40);
            assertEquals(1 + 0x1p-7, bf16.get(segment, 1));
            ElementCodec f64 = Codecs.of(Dtype.F64);
            f64.set(segment, 1, Math.PI);
            assertEquals(Math.PI, f64.get(segment, 1));
        }
    }

    @Test
    void decodeOnlyDtypeRefusesToWrite() {
        ElementCodec e8m0 = Codecs.of(Dtype.F8_E8M0);
        MemorySegment segment = MemorySegment.ofArray(new byte[] {0x7F, (byte) 0x80});
        assertEquals(1.0, e8m0.get(segment, 0));
        assertEquals(2.0, e8m0.get(segment, 1));
        WiscaException e = assertThrows(WiscaException.class, () -> e8m0.set(segment, 0, 1.0));
        assertEquals(ErrorKind.UNSUPPORTED_DTYPE, e.kind());
        assertThrows(WiscaException.class, () -> e8m0.encode(new double[] {1.0}, 1, segment, 0));
    }

    @Test
    void indicesAreCheckedBySegmentBounds() {
        MemorySegment segment = MemorySegment.ofArray(new byte[6]);
        ElementCodec f16 = Codecs.of(Dtype.F16);
        assertThrows(IndexOutOfBoundsException.class, () -> f16.get(segment, 3));
        assertThrows(IndexOutOfBoundsException.class, () -> f16.decode(segment, 1, new float[3], 3));
    }

}
