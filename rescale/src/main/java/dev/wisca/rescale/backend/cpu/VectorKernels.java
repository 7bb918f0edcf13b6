package dev.wisca.rescale.backend.cpu;

import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import jdk.incubator.vector.DoubleVector;
import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.ShortVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorShape;
import jdk.incubator.vector.VectorSpecies;

/**
 * Vector API loops over one row of f32 or bf16 elements in a segment. Each float vector is widened
 * into two double vectors, so sums are kept in double with two independent accumulators per
 * quantity (head/body here, the caller's scalar code does the tail). Squares use fma.
 *
 * <p>Vector API code is fast only once C2 has compiled the loop around it (interpreted or C1 code
 * boxes every vector and runs 100× slower), and compiling these loops takes C2 a few hundred
 * milliseconds: a one-shot command does its statistics with {@link StatsLanes} (the same arithmetic
 * in scalar code) and its power-of-two scaling with {@link Pow2ScaleKernel} instead.
 */
final class VectorKernels {
    static final VectorSpecies<Float> FS = FloatVector.SPECIES_PREFERRED;
    static final VectorSpecies<Double> DS = VectorSpecies.of(double.class, FS.vectorShape());
    private static final VectorSpecies<Integer> IS = VectorSpecies.of(int.class, FS.vectorShape());
    private static final VectorSpecies<Short> SS =
        VectorSpecies.of(short.class, VectorShape.forBitSize(FS.vectorBitSize() / 2));
    private static final int DL = DS.length();
    /**
     * Rows a column-wise pass takes at a time: a column group walks down this many rows (a few
     * hundred KB of a block, in the cache, few pages) before the next group, which reads the same
     * cache lines; walking down a whole block's rows missed the TLB on every row.
     */
    private static final int TILE_ROWS = 64;
    private static final VectorMask<Float> HIGH_HALF =
        VectorMask.fromLong(FS, -1L << DL);

    private VectorKernels() {}

    private static FloatVector load(MemorySegment seg, long byteOffset, boolean bf16, ByteOrder order) {
        return loadBits(seg, byteOffset, bf16, order).reinterpretAsFloats();
    }

    /**
     * Reduces the body of one row: {@code out = {Σv, Σ|v|, Σv², max|v|}} with {@code v = w_j · c_j}.
     * The lanes are added in {@link StatsLanes#reduceLanes}'s fixed order (not by
     * {@code reduceLanes(ADD)}, whose Java fallback, running until C2 has compiled this loop or after a
     * deoptimization, adds them in another order), so the sums are the same bits in every compilation
     * state. Without column factors max|v| is the largest bit pattern of |w| (for floats ≥ 0 the
     * integer order is the value order, a NaN's pattern is above +Inf's): a one-cycle integer max
     * instead of the double max's NaN-handling sequence, the same value.
     *
     * @param colFactors per element of the row, or null
     */
    static void reduceRow(MemorySegment seg, long byteOffset, int n, boolean bf16, ByteOrder order,
                          double[] colFactors, double[] out) {
        int elementBytes = bf16 ? 2 : 4;
        DoubleVector s0 = DoubleVector.zero(DS), s1 = s0, a0 = s0, a1 = s0, q0 = s0, q1 = s0, m0 = s0, m1 = s0;
        IntVector maxBits = IntVector.zero(IS);
        int body = Lanes.bodyLength(n);
        // one loop for both cases (C2 unswitches the factor test): a second loop in this method made
        // C2 run out of inlining budget before the Vector API calls of the last one, which then ran boxed
        for (int j = 0; j < body; j += FS.length()) {
            IntVector bits = loadBits(seg, byteOffset + (long) j * elementBytes, bf16, order);
            FloatVector w = bits.reinterpretAsFloats();
            DoubleVector d0 = (DoubleVector) w.convertShape(VectorOperators.F2D, DS, 0);
            DoubleVector d1 = (DoubleVector) w.convertShape(VectorOperators.F2D, DS, 1);
            if (colFactors != null) {
                d0 = d0.mul(DoubleVector.fromArray(DS, colFactors, j));
                d1 = d1.mul(DoubleVector.fromArray(DS, colFactors, j + DL));
            }
            DoubleVector e0 = d0.abs(), e1 = d1.abs();
            s0 = s0.add(d0);
            s1 = s1.add(d1);
            a0 = a0.add(e0);
            a1 = a1.add(e1);
            q0 = d0.fma(d0, q0);
            q1 = d1.fma(d1, q1);
            if (colFactors != null) {
                m0 = m0.max(e0);
                m1 = m1.max(e1);
            } else {
                maxBits = maxBits.max(bits.and(0x7fffffff));
            }
        }
        sums(s0, s1, a0, a1, q0, q1, out);
        if (colFactors == null) {
            out[3] = StatsLanes.absFromBits(maxBits.reduceLanes(VectorOperators.MAX));
        } else {
            double max = m0.max(m1).reduceLanes(VectorOperators.MAX);   // exact in any order
            out[3] = max != max ? Double.NaN : max;
        }
    }

    /** The float bit patterns of {@code FS.length()} elements (bf16 widened exactly: its bits are a float's top half). */
    private static IntVector loadBits(MemorySegment seg, long byteOffset, boolean bf16, ByteOrder order) {
        if (!bf16) return IntVector.fromMemorySegment(IS, seg, byteOffset, order);
        ShortVector halves = ShortVector.fromMemorySegment(SS, seg, byteOffset, order);
        return ((IntVector) halves.convertShape(VectorOperators.S2I, IS, 0)).lanewise(VectorOperators.LSHL, 16);
    }

    /** out[0..2]: the low and high halves' accumulators added lane by lane, then the lanes in the fixed order. */
    private static void sums(DoubleVector s0, DoubleVector s1, DoubleVector a0, DoubleVector a1,
                             DoubleVector q0, DoubleVector q1, double[] out) {
        double[] lanes = new double[DL];
        s0.add(s1).intoArray(lanes, 0);
        out[0] = StatsLanes.reduceLanes(lanes, DL);
        a0.add(a1).intoArray(lanes, 0);
        out[1] = StatsLanes.reduceLanes(lanes, DL);
        q0.add(q1).intoArray(lanes, 0);
        out[2] = StatsLanes.reduceLanes(lanes, DL);
    }

    /** Adds the body of one row, times {@code rowFactor}, into per-column accumulators. */
    static void accumulateRow(MemorySegment seg, long byteOffset, int n, boolean bf16, ByteOrder order,
                              double rowFactor, double[] sum, double[] absSum, double[] sqSum, double[] absMax) {
        int elementBytes = bf16 ? 2 : 4;
        int body = Lanes.bodyLength(n);
        for (int j = 0; j < body; j += FS.length()) {
            FloatVector w = load(seg, byteOffset + (long) j * elementBytes, bf16, order);
            // the part index of convertShape must be a constant for C2 to intrinsify it: no loop over parts
            DoubleVector low = ((DoubleVector) w.convertShape(VectorOperators.F2D, DS, 0)).mul(rowFactor);
            DoubleVector high = ((DoubleVector) w.convertShape(VectorOperators.F2D, DS, 1)).mul(rowFactor);
            accumulate(low, j, sum, absSum, sqSum, absMax);
            accumulate(high, j + DL, sum, absSum, sqSum, absMax);
        }
    }

    /**
     * As {@link #accumulateRow} for rows {@code [0, rows)} of a block ({@code rowBytes} apart, row
     * {@code i} times {@code rowFactors[firstRow + i]}, or 1), a column group at a time: the group's
     * accumulators stay in registers while {@link #TILE_ROWS} rows go by, instead of a load and a
     * store of every column's four accumulators per row. Each column still adds its rows in row order, so the bits
     * are {@link #accumulateRow}'s, row after row.
     */
    static void accumulateRows(MemorySegment seg, long rowBytes, int rows, int n, boolean bf16, ByteOrder order,
                               double[] rowFactors, int firstRow, double[] sum, double[] absSum, double[] sqSum, double[] absMax) {
        for (int tile = 0; tile < rows; tile += TILE_ROWS) {
            accumulateTile(seg, rowBytes, tile, Math.min(rows, tile + TILE_ROWS), n, bf16, order, rowFactors, firstRow,
                sum, absSum, sqSum, absMax);
        }
    }

    private static void accumulateTile(MemorySegment seg, long rowBytes, int fromRow, int toRow, int n, boolean bf16,
                                       ByteOrder order, double[] rowFactors, int firstRow,
                                       double[] sum, double[] absSum, double[] sqSum, double[] absMax) {
        int elementBytes = bf16 ? 2 : 4;
        int body = Lanes.bodyLength(n);
        for (int j = 0; j < body; j += FS.length()) {
            DoubleVector s0 = DoubleVector.fromArray(DS, sum, j), s1 = DoubleVector.fromArray(DS, sum, j + DL);
            DoubleVector a0 = DoubleVector.fromArray(DS, absSum, j), a1 = DoubleVector.fromArray(DS, absSum, j + DL);
            DoubleVector q0 = DoubleVector.fromArray(DS, sqSum, j), q1 = DoubleVector.fromArray(DS, sqSum, j + DL);
            DoubleVector m0 = DoubleVector.fromArray(DS, absMax, j), m1 = DoubleVector.fromArray(DS, absMax, j + DL);
            IntVector maxBits = IntVector.zero(IS);
            long at = fromRow * rowBytes + (long) j * elementBytes;
            for (int i = fromRow; i < toRow; i++, at += rowBytes) {
                IntVector bits = loadBits(seg, at, bf16, order);
                FloatVector w = bits.reinterpretAsFloats();
                DoubleVector d0 = (DoubleVector) w.convertShape(VectorOperators.F2D, DS, 0);
                DoubleVector d1 = (DoubleVector) w.convertShape(VectorOperators.F2D, DS, 1);
                if (rowFactors != null) {
                    double r = rowFactors[firstRow + i];
                    d0 = d0.mul(r);
                    d1 = d1.mul(r);
                }
                DoubleVector e0 = d0.abs(), e1 = d1.abs();
                s0 = s0.add(d0);
                s1 = s1.add(d1);
                a0 = a0.add(e0);
                a1 = a1.add(e1);
                q0 = d0.fma(d0, q0);
                q1 = d1.fma(d1, q1);
                if (rowFactors != null) {
                    m0 = m0.max(e0);
                    m1 = m1.max(e1);
                } else {
                    maxBits = maxBits.max(bits.and(0x7fffffff));   // as in reduceRow: the same max, in integers
                }
            }
            if (rowFactors == null) {
                FloatVector largest = maxBits.reinterpretAsFloats();
                m0 = m0.max((DoubleVector) largest.convertShape(VectorOperators.F2D, DS, 0));
                m1 = m1.max((DoubleVector) largest.convertShape(VectorOperators.F2D, DS, 1));
            }
            s0.intoArray(sum, j);
            s1.intoArray(sum, j + DL);
            a0.intoArray(absSum, j);
            a1.intoArray(absSum, j + DL);
            q0.intoArray(sqSum, j);
            q1.intoArray(sqSum, j + DL);
            m0.intoArray(absMax, j);
            m1.intoArray(absMax, j + DL);
        }
    }

    private static void accumulate(DoubleVector d, int k, double[] sum, double[] absSum, double[] sqSum, double[] absMax) {
        DoubleVector e = d.abs();
        DoubleVector.fromArray(DS, sum, k).add(d).intoArray(sum, k);
        DoubleVector.fromArray(DS, absSum, k).add(e).intoArray(absSum, k);
        d.fma(d, DoubleVector.fromArray(DS, sqSum, k)).intoArray(sqSum, k);
        DoubleVector.fromArray(DS, absMax, k).max(e).intoArray(absMax, k);
    }

    /**
     * Scales the body of a run of {@code n} f32 elements: {@code dst_j = (float) ((r · w_j) · c_j)},
     * rounded once from double.
     *
     * @param colFactors array holding c_j at {@code colOffset + j}, or null
     */
    static void scaleF32(MemorySegment src, long srcByte, MemorySegment dst, long dstByte, int n,
                         double rowFactor, double[] colFactors, int colOffset) {
        ByteOrder le = ByteOrder.LITTLE_ENDIAN;
        int body = Lanes.bodyLength(n);
        for (int j = 0; j < body; j += FS.length()) {
            FloatVector w = FloatVector.fromMemorySegment(FS, src, srcByte + 4L * j, le);
            DoubleVector d0 = ((DoubleVector) w.convertShape(VectorOperators.F2D, DS, 0)).mul(rowFactor);
            DoubleVector d1 = ((DoubleVector) w.convertShape(VectorOperators.F2D, DS, 1)).mul(rowFactor);
            if (colFactors != null) {
                d0 = d0.mul(DoubleVector.fromArray(DS, colFactors, colOffset + j));
                d1 = d1.mul(DoubleVector.fromArray(DS, colFactors, colOffset + j + DL));
            }
            FloatVector low = (FloatVector) d0.convertShape(VectorOperators.D2F, FS, 0);
            FloatVector high = (FloatVector) d1.convertShape(VectorOperators.D2F, FS, -1);
            low.blend(high, HIGH_HALF).intoMemorySegment(dst, dstByte + 4L * j, le);
        }
    }
}
