package dev.wisca.rescale.backend.cpu;

import dev.wisca.io.Dtype;
import dev.wisca.rescale.backend.ElementAccess;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * Scaling by an exact power of two 2^k (the bf16/f16 default plans): for a normal input whose result
 * stays normal, the product is exact, so rounding it to the stored dtype is the identity and the result
 * is the input's bit pattern with k added to its exponent field. That is a plain integer loop over a
 * scratch array, which C1 and C2 compile in milliseconds (the Vector API kernels take C2 hundreds of
 * milliseconds and run boxed until then: the bulk of a one-shot rescale's time). Every other element
 * (zero, subnormal, Inf, NaN, a result that would overflow or go subnormal) is computed as
 * {@link ScalarBackend} does it, so the bytes are the same as the vector kernels' (the tests compare
 * all 2^16 bf16 and f16 patterns for k in −30..30), and an overflow still comes out Inf for
 * {@code WrittenValues} to refuse.
 */
final class Pow2ScaleKernel {
    /** Not a usable power of two. */
    static final int NONE = Integer.MIN_VALUE;
    /** |k| bound for each factor: (r · w) · c is then exact in double for every float-range w. */
    private static final int MAX_FACTOR_EXPONENT = 512;
    private static final int BLOCK = 4096;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Per thread: the scratch block. */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static final class Scratch {
        final short[] halves = new short[BLOCK];
        final int[] words = new int[BLOCK];
    }

    private Pow2ScaleKernel() {}

    /** k when {@code f} is exactly 2^k with |k| ≤ 512, else {@link #NONE}. */
    static int exponentOf(double f) {
        long bits = Double.doubleToRawLongBits(f);
        int biased = (int) (bits >>> 52);   // sign bit included: negative factors are not taken
        if ((bits & 0x000F_FFFF_FFFF_FFFFL) != 0 || biased == 0 || biased == 0x7FF) return NONE;
        int k = biased - 1023;
        return Math.abs(k) <= MAX_FACTOR_EXPONENT ? k : NONE;
    }

    /**
     * k when every factor of {@code factors} is the same power of two 2^k (0 for null: no factors),
     * else {@link #NONE}. The caller checks a tensor's column factors once, not per row.
     */
    static int uniformExponent(double[] factors) {
        if (factors == null) return 0;
        if (factors.length == 0) return NONE;
        double first = factors[0];
        for (double f : factors) {
            if (f != first) return NONE;
        }
        return exponentOf(first);
    }

    /**
     * Scales a run of {@code n} bf16, f16 or f32 elements of one row by {@code rowFactor · colFactor}
     * when both are powers of two.
     *
     * @param colFactor   the column factor of every element of the run (1.0 without column factors)
     * @param colExponent {@link #uniformExponent} of the column factors
     * @return false, writing nothing, when the factors are not powers of two (the caller then uses the
     *         general kernels)
     */
    static boolean scale(MemorySegment src, long srcByte, MemorySegment dst, long dstByte, int n, Dtype dtype,
                         double rowFactor, double colFactor, int colExponent) {
        if (dtype != Dtype.BF16 && dtype != Dtype.F16 && dtype != Dtype.F32) return false;
        int kr = exponentOf(rowFactor);
        if (kr == NONE || colExponent == NONE) return false;
        int k = kr + colExponent;
        Scratch scratch = SCRATCH.get();
        for (int done = 0; done < n; done += BLOCK) {
            int m = Math.min(BLOCK, n - done);
            long from = srcByte + (long) done * dtype.byteSize();
            long to = dstByte + (long) done * dtype.byteSize();
            if (dtype == Dtype.F32) {
                scaleWords(src, from, dst, to, m, k, rowFactor, colFactor, scratch.words);
            } else {
                scaleHalves(src, from, dst, to, m, dtype, k, rowFactor, colFactor, scratch.halves);
            }
        }
        return true;
    }

    /**
     * bf16 (exponent bits 7..14, max biased 254) or f16 (bits 10..14, max 30). The loop adds k to
     * every exponent and ORs together a value whose sign bit is set if any element's exponent or
     * result exponent falls outside [1, max]; only then are that block's elements looked at one by one.
     */
    private static void scaleHalves(MemorySegment src, long srcByte, MemorySegment dst, long dstByte, int m, Dtype dtype,
                                    int k, double rowFactor, double colFactor, short[] block) {
        boolean f16 = dtype == Dtype.F16;
        int shift = f16 ? 10 : 7;
        int mask = f16 ? 0x1F : 0xFF;
        int max = f16 ? 30 : 254;
        int add = k << shift;
        MemorySegment.copy(src, U16, srcByte, block, 0, m);
        int outside = 0;
        for (int t = 0; t < m; t++) {
            int bits = block[t];
            int e = (bits >> shift) & mask;
            outside |= (e - 1) | (max - e) | (e + k - 1) | (max - e - k);
            block[t] = (short) (bits + add);   // wrong only where outside flags it: redone below
        }
        MemorySegment.copy(block, 0, dst, U16, dstByte, m);
        if (outside >= 0) return;
        for (int t = 0; t < m; t++) {
            short bits = (short) (block[t] - add);
            int e = (bits >> shift) & mask;
            if (e < 1 || e > max || e + k < 1 || e + k > max) {
                dst.set(U16, dstByte + 2L * t, bits);
                exact(dst, dstByte / 2 + t, dtype, rowFactor, colFactor);
            }
        }
    }

    /** f32: exponent bits 23..30, max biased 254; as {@link #scaleHalves}. */
    private static void scaleWords(MemorySegment src, long srcByte, MemorySegment dst, long dstByte, int m,
                                   int k, double rowFactor, double colFactor, int[] block) {
        int add = k << 23;
        MemorySegment.copy(src, U32, srcByte, block, 0, m);
        int outside = 0;
        for (int t = 0; t < m; t++) {
            int bits = block[t];
            int e = (bits >>> 23) & 0xFF;
            outside |= (e - 1) | (254 - e) | (e + k - 1) | (254 - e - k);
            block[t] = bits + add;
        }
        MemorySegment.copy(block, 0, dst, U32, dstByte, m);
        if (outside >= 0) return;
        for (int t = 0; t < m; t++) {
            int bits = block[t] - add;
            int e = (bits >>> 23) & 0xFF;
            if (e < 1 || e > 254 || e + k < 1 || e + k > 254) {
                dst.set(U32, dstByte + 4L * t, bits);
                exact(dst, dstByte / 4 + t, Dtype.F32, rowFactor, colFactor);
            }
        }
    }

    /**
     * Replaces the source element put back at {@code index} of {@code dst} by its scaled value as
     * {@link ScalarBackend#scale} computes it: in double, rounded once by the codec. (Reading it back
     * from {@code dst}, not the source, keeps this right when the two are the same memory.)
     */
    private static void exact(MemorySegment dst, long index, Dtype dtype, double rowFactor, double colFactor) {
        double w = ElementAccess.get(dst, dtype, index);
        ElementAccess.set(dst, dtype, index, ScalarBackend.scaled(w, rowFactor, colFactor, false));
    }
}
