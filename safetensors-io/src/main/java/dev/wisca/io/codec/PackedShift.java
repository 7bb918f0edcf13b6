package dev.wisca.io.codec;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The exponent shift of 16-bit floats by one power of two 2^k, four elements per {@code long} (SIMD
 * within a register): the same bits and the same exactness rule as {@link ExponentShift}
 * (±0 stays itself; an element is exact when its exponent field lies in {@code [lowest(k), highest(k)]}),
 * for runs where every element has the same k (a row of a tensor whose columns share their factor: the
 * paper defaults). C2 does not vectorize the element-wise loop over {@code short}s (their promotion to
 * int), so this does in plain {@code long} arithmetic what a vector unit would: 3–4× the element loop here.
 * Used by the in-place rewrite ({@code Pow2Scaling}) and the out-of-place kernel ({@code Pow2ScaleKernel}).
 *
 * <p>Per 16-bit lane, with the guard bit {@code 0x8000}: {@code (mag + 0x7FFF) & 0x8000} is set where
 * the magnitude is non-zero; {@code ((exp | 0x8000) - lowest) & 0x8000} where {@code exp >= lowest};
 * {@code ((highest | 0x8000) - exp) & 0x8000} where {@code exp <= highest}; no lane borrows from or
 * carries into its neighbour because the guard bit absorbs it. The add is lane-wise modulo 2^16: the low
 * 15 bits added (at most 0xFFFE, no carry out), the top bit by exclusive or.
 */
public final class PackedShift {
    private static final ValueLayout.OfLong U64 = ValueLayout.JAVA_LONG_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final long GUARD = 0x8000_8000_8000_8000L;
    private static final long LOW15 = 0x7FFF_7FFF_7FFF_7FFFL;
    private static final long ONES = 0x0001_0001_0001_0001L;

    private PackedShift() {}

    /**
     * Writes the {@code count} elements of {@code src} from byte {@code at} on, each scaled by 2^k
     * ({@code field}: {@link ExponentShift#BF16} or {@link ExponentShift#F16}), to {@code dst} at the same
     * offset ({@code dst} may be {@code src}). Returns a value with a guard bit set where some element was
     * not exact (0 when all were); those elements hold the wrong bits, as {@link ExponentShift#shift}'s do.
     */
    public static long shift(MemorySegment src, MemorySegment dst, long at, int count, ExponentShift field, int k) {
        if (field.mantissaBits() == ExponentShift.F32.mantissaBits()) throw new IllegalArgumentException("16-bit floats only, not f32");
        int mantissaBits = field.mantissaBits();
        int lowest = field.lowest(k);
        int highest = field.highest(k);
        if (highest < lowest) {         // no non-zero element is exact: an empty interval the lanes can hold
            lowest = 1;
            highest = 0;
        }
        long low = lane(Math.min(lowest, 0x7FFF));
        long high = lane(highest) | GUARD;
        long adds = lane(field.add(k));
        long exponents = lane(field.exponentMask());
        long bad = 0;
        int i = 0;
        for (; i + 4 <= count; i += 4) {
            long offset = at + 2L * i;
            long x = src.get(U64, offset);
            long mag = x & LOW15;
            long nonZero = (mag + LOW15) & GUARD;
            long exp = (mag >>> mantissaBits) & exponents;
            bad |= nonZero & ~(((exp | GUARD) - low) & (high - exp));
            long a = adds & ((nonZero >>> 15) * 0xFFFF);
            dst.set(U64, offset, ((x & LOW15) + (a & LOW15)) ^ ((x ^ a) & GUARD));
        }
        for (; i < count; i++) {        // the tail, one element in the low lane (the others zero: left alone)
            long offset = at + 2L * i;
            long x = src.get(U16, offset) & 0xFFFFL;
            long mag = x & LOW15;
            long nonZero = (mag + LOW15) & GUARD;
            long exp = (mag >>> mantissaBits) & exponents;
            bad |= nonZero & ~(((exp | GUARD) - low) & (high - exp));
            long a = adds & ((nonZero >>> 15) * 0xFFFF);
            dst.set(U16, offset, (short) (((x & LOW15) + (a & LOW15)) ^ ((x ^ a) & GUARD)));
        }
        return bad;
    }

    private static long lane(int value) { return (value & 0xFFFFL) * ONES; }
}
