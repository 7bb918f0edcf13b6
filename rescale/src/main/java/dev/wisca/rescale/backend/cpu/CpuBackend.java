package dev.wisca.rescale.backend.cpu;

import dev.wisca.io.Dtype;
import dev.wisca.rescale.backend.AxisStats;
import dev.wisca.rescale.backend.Backend;
import dev.wisca.rescale.backend.ElementAccess;
import dev.wisca.rescale.backend.MatrixView;
import dev.wisca.rescale.graph.Axis;
import java.lang.foreign.MemorySegment;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Pure-Java backend: Vector API loops for f32, bf16 and f16 statistics and scaling (scaling by
 * exact powers of two, one per row and one shared by all columns, goes through
 * {@link Pow2ScaleKernel}, and a JVM's statistics through {@link StatsLanes} until it has reduced
 * {@link #VECTOR_STATS_AFTER} elements and the vector kernels are compiled, instead: the same bits,
 * without the Vector API's JIT warm-up), the
 * {@link ScalarBackend} loops for everything else (f64, offset gains, 8-bit and smaller dtypes).
 * Callers parallelise over blocks; this class holds no state but that count of elements.
 */
public final class CpuBackend implements Backend {
    public static final CpuBackend INSTANCE = new CpuBackend(StatsKernels.AUTO);

    /** Which statistics loops run: the JVM's choice (see {@link #VECTOR_STATS_AFTER}) or always one of them (benchmarks, tests). */
    public enum StatsKernels { AUTO, LANES, VECTOR }

    private final StatsKernels statsKernels;

    private CpuBackend(StatsKernels statsKernels) { this.statsKernels = statsKernels; }

    /**
     * {@link #INSTANCE}, once this JVM is known to run it: refuses (InvalidArgument, one line naming the
     * flag) in a JVM started without the flags that tell the statistics the vector size ({@link Lanes}).
     */
    public static CpuBackend checked() {
        Lanes.check();
        return INSTANCE;
    }

    /** A backend whose statistics always run on {@code kernels} (the bits are the same whichever runs). */
    public static CpuBackend withStatsKernels(StatsKernels kernels) {
        return kernels == StatsKernels.AUTO ? INSTANCE : new CpuBackend(kernels);
    }

    /**
     * Gets the statistics vector kernels compiled now, on this thread (a second or so), and switches
     * {@link StatsKernels#AUTO} to them: what a long-running JVM (serve, watch, a training hook)
     * reaches on its own after {@link #VECTOR_STATS_AFTER} elements. For benchmarks of warm statistics.
     */
    public static void warmUpVectorStats() {
        requireVectorApi();
        VectorWarmUp.runNow();
    }

    /** An error in a JVM started without the incubator module (bin/wisca's one-shot commands). */
    private static void requireVectorApi() {
        if (!Lanes.VECTOR_API) throw new IllegalStateException("the vector kernels need the JVM flag --add-modules jdk.incubator.vector");
    }

    /**
     * Elements a JVM reduces with {@link StatsLanes} before it warms the Vector API kernels up
     * ({@link VectorWarmUp}, in the background) and, once they are compiled, switches its statistics
     * to them: the same bits either way, but the warm-up costs the warm-up thread and C2 about 2.5 s
     * of CPU (measured on the two-core VM), more than the scalar loops take for a one-shot pass
     * over the q/k/v/o of a 2 GB or 4 GB checkpoint (2·10^8, 4·10^8 elements, 0.4 and 0.8 s); a
     * JVM that goes on (the live hook, {@code wisca serve}, repeated plans) gets the vector kernels'
     * speed once it has read about 1 GB of bf16 statistics.
     */
    static final long VECTOR_STATS_AFTER = 1L << 29;
    private static final AtomicLong STATS_ELEMENTS = new AtomicLong();

    @Override
    public String name() { return "cpu-vector"; }

    @Override
    public AxisStats stats(MatrixView m, long rowStart, long rowEnd, Axis axis,
                           double[] rowFactors, double[] colFactors, boolean offsetGain) {
        Dtype dtype = m.dtype();
        boolean vectorizable = dtype == Dtype.F32 || dtype == Dtype.BF16 || dtype == Dtype.F16;
        if (offsetGain || !vectorizable) {
            return ScalarBackend.INSTANCE.stats(m, rowStart, rowEnd, axis, rowFactors, colFactors, offsetGain);
        }
        int cols = Math.toIntExact(m.cols());
        AxisStats out = axis == Axis.ROWS
            ? AxisStats.zeros(rowStart, Math.toIntExact(rowEnd - rowStart), cols)
            : AxisStats.zeros(0, cols, rowEnd - rowStart);
        RowSource rows = new RowSource(m, cols);
        boolean vector = switch (statsKernels) {
            case AUTO -> vectorsWarm((rowEnd - rowStart) * cols);
            case LANES -> false;
            case VECTOR -> {
                requireVectorApi();
                yield true;
            }
        };
        if (axis == Axis.COLS && vector && !rows.widened()) {
            // whole block at once: each column group's accumulators stay in registers over the rows
            long rowBytes = (long) cols * m.dtype().byteSize();
            VectorKernels.accumulateRows(m.data().asSlice(rowStart * rowBytes), rowBytes, Math.toIntExact(rowEnd - rowStart),
                cols, rows.bf16, rows.order, rowFactors, (int) rowStart, out.sum(), out.absSum(), out.sqSum(), out.absMax());
            for (long i = rowStart; i < rowEnd; i++) {
                double r = rowFactors == null ? 1.0 : rowFactors[(int) i];
                MemorySegment row = rows.row(i);
                for (int j = Lanes.bodyLength(cols); j < cols; j++) {
                    ScalarBackend.accumulate(out, j, rows.get(row, j) * r);
                }
            }
            if (colFactors != null) applyColumnFactors(out, colFactors);
            return out;
        }
        double[] reduced = new double[4];
        for (long i = rowStart; i < rowEnd; i++) {
            double r = rowFactors == null ? 1.0 : rowFactors[(int) i];
            MemorySegment row = rows.row(i);
            if (axis == Axis.ROWS) {
                if (vector) {
                    VectorKernels.reduceRow(row, 0, cols, rows.bf16, rows.order, colFactors, reduced);
                } else {
                    StatsLanes.reduceRow(row, 0, cols, rows.bf16, rows.order, colFactors, reduced);
                }
                int k = (int) (i - rowStart);
                double ar = Math.abs(r);
                out.sum()[k] = reduced[0] * r;
                out.absSum()[k] = reduced[1] * ar;
                out.sqSum()[k] = reduced[2] * r * r;
                out.absMax()[k] = reduced[3] * ar;
                for (int j = Lanes.bodyLength(cols); j < cols; j++) {
                    ScalarBackend.accumulate(out, k, r * (rows.get(row, j) * factor(colFactors, j)));
                }
            } else {
                if (vector) {
                    VectorKernels.accumulateRow(row, 0, cols, rows.bf16, rows.order, r,
                        out.sum(), out.absSum(), out.sqSum(), out.absMax());
                } else {
                    StatsLanes.accumulateRow(row, 0, cols, rows.bf16, rows.order, r,
                        out.sum(), out.absSum(), out.sqSum(), out.absMax());
                }
                for (int j = Lanes.bodyLength(cols); j < cols; j++) {
                    ScalarBackend.accumulate(out, j, rows.get(row, j) * r);
                }
            }
        }
        if (axis == Axis.COLS && colFactors != null) applyColumnFactors(out, colFactors);
        return out;
    }

    /** Whether the vector kernels run this block of {@code elements}: once warm (see {@link #VECTOR_STATS_AFTER}). */
    private static boolean vectorsWarm(long elements) {
        if (!Lanes.VECTOR_API) return false;
        if (VectorWarmUp.ready()) return true;
        if (STATS_ELEMENTS.addAndGet(elements) > VECTOR_STATS_AFTER) VectorWarmUp.start();
        return false;
    }

    private static double factor(double[] factors, int index) {
        return factors == null ? 1.0 : factors[index];
    }

    private static void applyColumnFactors(AxisStats out, double[] colFactors) {
        for (int j = 0; j < out.length(); j++) {
            double c = colFactors[j];
            double ac = Math.abs(c);
            out.sum()[j] *= c;
            out.absSum()[j] *= ac;
            out.sqSum()[j] *= c * c;
            out.absMax()[j] *= ac;
        }
    }

    @Override
    public void scale(MatrixView src, long first, long count, MemorySegment dst,
                      double[] rowFactors, double[] colFactors, boolean offsetGain) {
        scale(src, src.data().asSlice(src.dtype().byteSize() * first), first, count, dst, rowFactors, colFactors, offsetGain);
    }

    @Override
    public boolean scale(MatrixView src, MemorySegment elements, long first, long count, MemorySegment dst,
                         double[] rowFactors, double[] colFactors, boolean offsetGain) {
        Dtype dtype = src.dtype();
        boolean half = dtype == Dtype.BF16 || dtype == Dtype.F16;
        if (offsetGain || !(dtype == Dtype.F32 || half)) {
            return ScalarBackend.INSTANCE.scale(src, elements, first, count, dst, rowFactors, colFactors, offsetGain);
        }
        // Runs that are not powers of two go through a vector kernel where there is one; where there is none
        // (no Vector API in one-shot commands, a shape too narrow for the half kernel) the whole run is the
        // scalar tail, whose bits the vector kernels give (the scaling is elementwise).
        boolean vectors = Lanes.VECTOR_API && (!half || HalfScaleKernel.SUPPORTED);
        long cols = src.cols();
        long elementBytes = dtype.byteSize();
        long end = first + count;
        int colExponent = Pow2ScaleKernel.uniformExponent(colFactors);
        boolean shifted = true;  // every run so far an exact exponent shift
        for (long e = first; e < end; ) {
            long g = e / cols;
            long j0 = e - g * cols;
            int n = (int) Math.min(cols - j0, end - e);
            double r = rowFactors == null ? 1.0 : rowFactors[(int) g];
            int colOffset = (int) ((g / src.rows()) * cols + j0);
            long dstByte = elementBytes * (e - first);
            long srcByte = dstByte;
            double c = colFactors == null ? 1.0 : colFactors[colOffset];
            int redone = Pow2ScaleKernel.scale(elements, srcByte, dst, dstByte, n, dtype, r, c, colExponent);
            if (redone != Pow2ScaleKernel.NOT_POW2) {
                shifted &= redone == 0;
                e += n;
                continue;
            }
            shifted = false;
            int body = 0;
            if (vectors && half) {
                HalfScaleKernel.scale(elements, srcByte, dst, dstByte, n, dtype, r, colFactors, colOffset);
                body = HalfScaleKernel.bodyLength(n);
            } else if (vectors) {
                VectorKernels.scaleF32(elements, srcByte, dst, dstByte, n, r, colFactors, colOffset);
                body = Lanes.bodyLength(n);
            }
            if (body < n) {
                long tail = elementBytes * (e + body - first);
                ScalarBackend.INSTANCE.scale(src, elements.asSlice(tail), e + body, n - body, dst.asSlice(tail),
                    rowFactors, colFactors, false);
            }
            e += n;
        }
        return shifted;
    }

    /** One row at a time as f32/bf16 bytes; f16 rows are widened into a scratch float array first. */
    private static final class RowSource {
        final MatrixView m;
        final int cols;
        final boolean bf16;
        final ByteOrder order;
        private final float[] scratch;
        private final MemorySegment scratchSegment;

        RowSource(MatrixView m, int cols) {
            this.m = m;
            this.cols = cols;
            this.bf16 = m.dtype() == Dtype.BF16;
            boolean f16 = m.dtype() == Dtype.F16;
            this.order = f16 ? ByteOrder.nativeOrder() : ByteOrder.LITTLE_ENDIAN;
            this.scratch = f16 ? new float[cols] : null;
            this.scratchSegment = f16 ? MemorySegment.ofArray(scratch) : null;
        }

        MemorySegment row(long i) {
            long bytes = (long) cols * m.dtype().byteSize();
            MemorySegment raw = m.data().asSlice(i * bytes, bytes);
            if (scratch == null) return raw;
            for (int j = 0; j < cols; j++) scratch[j] = (float) ElementAccess.get(raw, Dtype.F16, j);
            return scratchSegment;
        }

        /** f16: rows are widened to f32 one at a time, so a block is not one run of f32/bf16 rows. */
        boolean widened() { return scratch != null; }

        double get(MemorySegment row, int j) {
            return scratch != null ? scratch[j] : ElementAccess.get(row, m.dtype(), j);
        }
    }
}
