package dev.wisca.io;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Typed element access to tensor bytes: little-endian, and unaligned because safetensors does not
 * promise aligned offsets. {@code index} counts elements, not bytes. Sub-byte and 8/16-bit float
 * formats are decoded by the codecs in {@code dev.wisca.io.codec}; here they are raw bits.
 */
public final class Elements {
    public static final ValueLayout.OfByte I8 = ValueLayout.JAVA_BYTE;
    public static final ValueLayout.OfShort I16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfInt I32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfLong I64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    public static final ValueLayout.OfDouble F64 = ValueLayout.JAVA_DOUBLE_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    private Elements() {}

    public static boolean bool(MemorySegment s, long index) { return s.get(I8, index) != 0; }

    public static byte i8(MemorySegment s, long index) { return s.get(I8, index); }

    public static int u8(MemorySegment s, long index) { return Byte.toUnsignedInt(s.get(I8, index)); }

    public static short i16(MemorySegment s, long index) { return s.get(I16, index * 2); }

    public static int u16(MemorySegment s, long index) { return Short.toUnsignedInt(s.get(I16, index * 2)); }

    public static int i32(MemorySegment s, long index) { return s.get(I32, index * 4); }

    public static long u32(MemorySegment s, long index) { return Integer.toUnsignedLong(s.get(I32, index * 4)); }

    public static long i64(MemorySegment s, long index) { return s.get(I64, index * 8); }

    /** The 64 bits of a U64 element; read them with {@link Long#toUnsignedString(long)} and friends. */
    public static long u64(MemorySegment s, long index) { return s.get(I64, index * 8); }

    public static float f32(MemorySegment s, long index) { return s.get(F32, index * 4); }

    public static double f64(MemorySegment s, long index) { return s.get(F64, index * 8); }

    /** Real part of a C64 element (two F32: real, imaginary). */
    public static float c64Real(MemorySegment s, long index) { return s.get(F32, index * 8); }

    public static float c64Imag(MemorySegment s, long index) { return s.get(F32, index * 8 + 4); }

    /** Raw bits of a 16-bit element (F16, BF16). */
    public static short bits16(MemorySegment s, long index) { return s.get(I16, index * 2); }

    public static void setI8(MemorySegment s, long index, byte value) { s.set(I8, index, value); }

    public static void setI16(MemorySegment s, long index, short value) { s.set(I16, index * 2, value); }

    public static void setI32(MemorySegment s, long index, int value) { s.set(I32, index * 4, value); }

    public static void setI64(MemorySegment s, long index, long value) { s.set(I64, index * 8, value); }

    public static void setF32(MemorySegment s, long index, float value) { s.set(F32, index * 4, value); }

    public static void setF64(MemorySegment s, long index, double value) { s.set(F64, index * 8, value); }
}
