package dev.wisca.rescale.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;

/**
 * The statistics loops of {@link VectorKernels} as plain scalar code with the same arithmetic, so
 * the sums (and the plan solved from them) are bit for bit the same: {@code reduceRow} keeps one
 * accumulator per lane of the preferred float vector (element {@code j} goes to lane
 * {@code j mod L}), adds the low and high double halves lane by lane and then the lanes as C2's
 * vector reduction does ({@link #reduceLanes}); squares use fma. {@code accumulateRow} adds element-wise into the column arrays, which the vector
 * code does lane-wise in the same order.
 *
 * <p>Why: a Vector API loop runs boxed (100× slower) until C2 has compiled it, and compiling the
 * statistics kernels takes C2 hundreds of milliseconds of a two-core machine: more than a one-shot
 * rescale's whole statistics pass. These loops compile in milliseconds; {@link CpuBackend} uses them
 * until a JVM has reduced enough elements for the vector kernels' warm-up to pay off.
 */
final class StatsLanes {
    private static final int L = VectorKernels.FS.length();
    private static final int DL = VectorKernels.DS.length();

    // Constant layouts: a layout made per call (withOrder) keeps the JIT from inlining the access.
    private static final ValueLayout.OfShort SHORT_LE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfShort SHORT_BE = ValueLayout.JAVA_SHORT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT_LE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);
    private static final ValueLayout.OfFloat FLOAT_BE = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.BIG_ENDIAN);
    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private StatsLanes() {}

    /** As {@link VectorKernels#reduceRow}: {@code out = {Σv, Σ|v|, Σv², max|v|}} over the vector body. */
    static void reduceRow(MemorySegment seg, long byteOffset, int n, boolean bf16, ByteOrder order,
                          double[] colFactors, double[] out) {
        int body = VectorKernels.bodyLength(n);
        float[] w = decode(SCRATCH.get(), seg, byteOffset, body, bf16, order);
        double[] sums = new double[DL], absSums = new double[DL], sqSums = new double[DL];
        double absMax = 0.0;
        boolean nan = false;
        boolean scaled = colFactors != null;
        for (int lane = 0; lane < DL; lane++) {
            // lane of the low half (p = lane) and of the high half (p = lane + DL) of each float vector
            double s0 = 0, a0 = 0, q0 = 0, m0 = 0, s1 = 0, a1 = 0, q1 = 0, m1 = 0;
            for (int j = lane; j < body; j += L) {
                double d0 = w[j];
                double d1 = w[j + DL];
                if (scaled) {
                    d0 *= colFactors[j];
                    d1 *= colFactors[j + DL];
                }
                double e0 = Math.abs(d0), e1 = Math.abs(d1);
                s0 += d0;
                s1 += d1;
                a0 += e0;
                a1 += e1;
                q0 = Math.fma(d0, d0, q0);
                q1 = Math.fma(d1, d1, q1);
                if (scaled) {
                    // max of values >= 0 as a compare (Math.max's NaN and signed-zero handling is a long
                    // dependency chain); a NaN, which the compare skips, is remembered and returned below
                    m0 = e0 > m0 ? e0 : m0;
                    m1 = e1 > m1 ? e1 : m1;
                    nan |= d0 != d0 | d1 != d1;
                }
            }
            sums[lane] = s0 + s1;
            absSums[lane] = a0 + a1;
            sqSums[lane] = q0 + q1;
            absMax = Math.max(absMax, Math.max(m0, m1));
        }
        out[0] = reduceLanes(sums, DL);
        out[1] = reduceLanes(absSums, DL);
        out[2] = reduceLanes(sqSums, DL);
        if (!scaled) {
            // unscaled, max|w| is exact in any order: one separate loop, which C2 vectorizes
            float max = 0;
            for (int j = 0; j < body; j++) max = Math.max(max, Math.abs(w[j]));
            out[3] = max != max ? Double.NaN : max;
        } else {
            out[3] = nan ? Double.NaN : absMax;
        }
    }

    /** A float's magnitude from the bits of |w| (sign bit clear), NaN as {@link Double#NaN}. */
    static double absFromBits(int floatBits) {
        float f = Float.intBitsToFloat(floatBits);
        return f != f ? Double.NaN : f;
    }

    /**
     * The first {@code length} lanes summed as C2 reduces a double vector (x86, AArch64 NEON): the
     * upper half of the lanes added onto the lower half until one lane is left. The vector kernels
     * reduce their accumulators with this too, not with {@code reduceLanes(ADD)}: its Java fallback,
     * which runs until C2 has compiled a kernel (and again after a deoptimization), adds the lanes in
     * lane order, so a cold kernel's last bits differed from a warm one's.
     */
    static double reduceLanes(double[] lanes, int length) {
        for (int n = length; n > 1; n /= 2) {
            for (int i = 0; i < n / 2; i++) lanes[i] += lanes[i + n / 2];
        }
        return lanes[0];
    }

    /** As {@link VectorKernels#accumulateRow}: the body of one row, times {@code rowFactor}, into per-column accumulators. */
    static void accumulateRow(MemorySegment seg, long byteOffset, int n, boolean bf16, ByteOrder order,
                              double rowFactor, double[] sum, double[] absSum, double[] sqSum, double[] absMax) {
        int body = VectorKernels.bodyLength(n);
        float[] w = decode(SCRATCH.get(), seg, byteOffset, body, bf16, order);
        for (int j = 0; j < body; j++) {
            double v = w[j] * rowFactor;
            double e = Math.abs(v);
            sum[j] += v;
            absSum[j] += e;
            sqSum[j] = Math.fma(v, v, sqSum[j]);
            absMax[j] = Math.max(absMax[j], e);
        }
    }

    /** The first {@code n} elements (bf16 widened exactly) into this thread's scratch row. */
    private static float[] decode(Scratch scratch, MemorySegment seg, long byteOffset, int n, boolean bf16, ByteOrder order) {
        if (scratch.floats.length < n) {
            scratch.floats = new float[n];
            scratch.halves = new short[n];
        }
        float[] w = scratch.floats;
        boolean little = order == ByteOrder.LITTLE_ENDIAN;
        if (bf16) {
            short[] halves = scratch.halves;
            MemorySegment.copy(seg, little ? SHORT_LE : SHORT_BE, byteOffset, halves, 0, n);
            for (int j = 0; j < n; j++) w[j] = Float.intBitsToFloat(halves[j] << 16);
        } else {
            MemorySegment.copy(seg, little ? FLOAT_LE : FLOAT_BE, byteOffset, w, 0, n);
        }
        return w;
    }

    /** Per thread: the row decoded to floats (and its raw bf16 halves). */
    private static final class Scratch {
        float[] floats = new float[0];
        short[] halves = new short[0];
    }
}
