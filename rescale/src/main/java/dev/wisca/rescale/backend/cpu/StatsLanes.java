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
    private static final int L = Lanes.FLOATS;
    private static final int DL = Lanes.DOUBLES;

    static {
        // reduceRow takes the lanes two at a time; every SIMD shape (SSE, AVX, NEON, SVE) has an even count
        if (DL % 2 != 0) throw new IllegalStateException("StatsLanes needs an even number of double lanes, not " + DL);
    }

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
        int body = Lanes.bodyLength(n);
        float[] w = decode(SCRATCH.get(), seg, byteOffset, body, bf16, order);
        double[] sums = new double[DL], absSums = new double[DL], sqSums = new double[DL];
        double absMax = 0.0;
        boolean nan = false;
        boolean scaled = colFactors != null;
        // Two lanes per pass: four independent chains of each sum (lanes p and p + 1 of the low and of
        // the high half) in flight at once; one lane per pass left the loop waiting on its fma's latency.
        // Each chain still adds its own elements in element order, so the bits are the vector kernel's.
        for (int p = 0; p < DL; p += 2) {
            double sA = 0, aA = 0, qA = 0, mA = 0, sB = 0, aB = 0, qB = 0, mB = 0;
            double sC = 0, aC = 0, qC = 0, mC = 0, sD = 0, aD = 0, qD = 0, mD = 0;
            for (int j = p; j < body; j += L) {
                double dA = w[j], dB = w[j + 1], dC = w[j + DL], dD = w[j + DL + 1];
                if (scaled) {
                    dA *= colFactors[j];
                    dB *= colFactors[j + 1];
                    dC *= colFactors[j + DL];
                    dD *= colFactors[j + DL + 1];
                }
                double eA = Math.abs(dA), eB = Math.abs(dB), eC = Math.abs(dC), eD = Math.abs(dD);
                sA += dA;
                sB += dB;
                sC += dC;
                sD += dD;
                aA += eA;
                aB += eB;
                aC += eC;
                aD += eD;
                qA = Math.fma(dA, dA, qA);
                qB = Math.fma(dB, dB, qB);
                qC = Math.fma(dC, dC, qC);
                qD = Math.fma(dD, dD, qD);
                if (scaled) {
                    // max of values >= 0 as a compare (Math.max's NaN and signed-zero handling is a long
                    // dependency chain); a NaN, which the compare skips, is remembered and returned below
                    mA = eA > mA ? eA : mA;
                    mB = eB > mB ? eB : mB;
                    mC = eC > mC ? eC : mC;
                    mD = eD > mD ? eD : mD;
                    nan |= dA != dA | dB != dB | dC != dC | dD != dD;
                }
            }
            sums[p] = sA + sC;
            sums[p + 1] = sB + sD;
            absSums[p] = aA + aC;
            absSums[p + 1] = aB + aD;
            sqSums[p] = qA + qC;
            sqSums[p + 1] = qB + qD;
            absMax = Math.max(absMax, Math.max(Math.max(mA, mB), Math.max(mC, mD)));
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
        int body = Lanes.bodyLength(n);
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
