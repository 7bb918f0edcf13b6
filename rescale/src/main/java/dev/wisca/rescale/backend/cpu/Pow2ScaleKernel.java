package dev.wisca.rescale.backend.cpu;

import dev.wisca.io.Dtype;
import dev.wisca.io.codec.ExponentShift;
import dev.wisca.io.codec.PackedShift;
import dev.wisca.rescale.backend.ElementAccess;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * Scaling by an exact power of two 2^k (the bf16/f16 default plans) with {@link ExponentShift} over a
 * scratch block. Every element the shift reports (subnormal, Inf, NaN, a result that would overflow or
 * go subnormal) is computed as {@link ScalarBackend} does it, so the bytes are the same as the vector
 * kernels' (the tests compare all 2^16 bf16 and f16 patterns for k in −30..30), and an overflow still
 * comes out Inf for {@code WrittenValues} to refuse.
 */
final class Pow2ScaleKernel {
    /** Not a usable power of two. */
    static final int NONE = ExponentShift.NONE;
    /** What {@link #scale} returns when the factors are not powers of two. */
    static final int NOT_POW2 = -1;
    private static final int BLOCK = 4096;
    private static final ValueLayout.OfShort U16 = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfInt U32 = ValueLayout.JAVA_INT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    /** Per thread: the scratch block and the shift's tables for the last (layout, k). */
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private static final class Scratch {
        final short[] halves = new short[BLOCK];
        final int[] words = new int[BLOCK];
        final short[] lowest = new short[BLOCK];
        final short[] highest = new short[BLOCK];
        final short[] add = new short[BLOCK];
        ExponentShift field;
        int k;

        void tables(ExponentShift field, int k) {
            if (field == this.field && k == this.k) return;
            Arrays.fill(lowest, (short) field.lowest(k));
            Arrays.fill(highest, (short) field.highest(k));
            Arrays.fill(add, (short) field.add(k));
            this.field = field;
            this.k = k;
        }
    }

    private Pow2ScaleKernel() {}

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
        return ExponentShift.exponentOf(first);
    }

    /**
     * Scales a run of {@code n} bf16, f16 or f32 elements of one row by {@code rowFactor · colFactor}
     * when both are powers of two.
     *
     * @param colFactor   the column factor of every element of the run (1.0 without column factors)
     * @param colExponent {@link #uniformExponent} of the column factors
     * @return {@link #NOT_POW2}, writing nothing, when the factors are not powers of two (the caller then uses
     *         the general kernels); else the number of elements that were not an exact exponent shift and were
     *         computed as the scalar backend computes them (0: every value is its source shifted, so finite and
     *         within the dtype's range)
     */
    static int scale(MemorySegment src, long srcByte, MemorySegment dst, long dstByte, int n, Dtype dtype,
                         double rowFactor, double colFactor, int colExponent) {
        ExponentShift field = switch (dtype) {
            case BF16 -> ExponentShift.BF16;
            case F16 -> ExponentShift.F16;
            case F32 -> ExponentShift.F32;
            default -> null;
        };
        int kr = ExponentShift.exponentOf(rowFactor);
        if (field == null || kr == NONE || colExponent == NONE) return NOT_POW2;
        int k = kr + colExponent;
        if (dtype != Dtype.F32 && src.asOverlappingSlice(dst).isEmpty()) {
            return scalePacked(src.asSlice(srcByte, 2L * n), dst.asSlice(dstByte, 2L * n), n, dtype, field, k, rowFactor, colFactor);
        }
        Scratch scratch = SCRATCH.get();
        int redone = 0;
        for (int done = 0; done < n; done += BLOCK) {
            int m = Math.min(BLOCK, n - done);
            long from = srcByte + (long) done * dtype.byteSize();
            long to = dstByte + (long) done * dtype.byteSize();
            if (dtype == Dtype.F32) {
                redone += scaleWords(src, from, dst, to, m, k, rowFactor, colFactor, scratch.words);
            } else {
                redone += scaleHalves(src, from, dst, to, m, dtype, field, k, rowFactor, colFactor, scratch);
            }
        }
        return redone;
    }

    /**
     * The run shifted four elements per long ({@link PackedShift}, one k for the run); the elements it
     * reports redone from the source, which the shift left alone (src and dst do not overlap here).
     */
    private static int scalePacked(MemorySegment src, MemorySegment dst, int n, Dtype dtype, ExponentShift field, int k,
                                   double rowFactor, double colFactor) {
        long bad = PackedShift.shift(src, dst, 0, n, field, k);
        if (bad == 0) return 0;
        int redone = 0;
        for (int t = 0; t < n; t++) {
            short bits = src.get(U16, 2L * t);
            if (!field.exact(bits, k)) {
                dst.set(U16, 2L * t, (short) exact(bits, dtype, rowFactor, colFactor));
                redone++;
            }
        }
        return redone;
    }

    /** The block shifted; the elements it reports redone from the source (read before dst is written: they may alias). */
    private static int scaleHalves(MemorySegment src, long srcByte, MemorySegment dst, long dstByte, int m, Dtype dtype,
                                   ExponentShift field, int k, double rowFactor, double colFactor, Scratch scratch) {
        short[] block = scratch.halves;
        scratch.tables(field, k);
        MemorySegment.copy(src, U16, srcByte, block, 0, m);
        int redone = 0;
        if (field.shift(block, 0, m, scratch.lowest, scratch.highest, scratch.add, 0) < 0) {
            for (int t = 0; t < m; t++) {
                short bits = src.get(U16, srcByte + 2L * t);
                if (!field.exact(bits, k)) {
                    block[t] = (short) exact(bits, dtype, rowFactor, colFactor);
                    redone++;
                }
            }
        }
        MemorySegment.copy(block, 0, dst, U16, dstByte, m);
        return redone;
    }

    /** f32: as {@link #scaleHalves}. */
    private static int scaleWords(MemorySegment src, long srcByte, MemorySegment dst, long dstByte, int m,
                                  int k, double rowFactor, double colFactor, int[] block) {
        MemorySegment.copy(src, U32, srcByte, block, 0, m);
        int redone = 0;
        if (ExponentShift.shiftF32(block, 0, m, k) < 0) {
            for (int t = 0; t < m; t++) {
                int bits = src.get(U32, srcByte + 4L * t);
                if (!ExponentShift.F32.exact(bits, k)) {
                    block[t] = exact(bits, Dtype.F32, rowFactor, colFactor);
                    redone++;
                }
            }
        }
        MemorySegment.copy(block, 0, dst, U32, dstByte, m);
        return redone;
    }

    /** The bits of {@code bits} scaled as {@link ScalarBackend#scale} computes it: in double, rounded once by the codec. */
    private static int exact(int bits, Dtype dtype, double rowFactor, double colFactor) {
        MemorySegment one = MemorySegment.ofArray(new byte[4]);
        if (dtype == Dtype.F32) one.set(U32, 0, bits);
        else one.set(U16, 0, (short) bits);
        ElementAccess.set(one, dtype, 0, ScalarBackend.scaled(ElementAccess.get(one, dtype, 0), rowFactor, colFactor, false));
        return dtype == Dtype.F32 ? one.get(U32, 0) : one.get(U16, 0);
    }
}
