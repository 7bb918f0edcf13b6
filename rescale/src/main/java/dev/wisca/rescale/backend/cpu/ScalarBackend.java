package dev.wisca.rescale.backend.cpu;

import dev.wisca.rescale.backend.AxisStats;
import dev.wisca.rescale.backend.Backend;
import dev.wisca.rescale.backend.ElementAccess;
import dev.wisca.rescale.backend.MatrixView;
import dev.wisca.rescale.graph.Axis;
import java.lang.foreign.MemorySegment;

/** Plain loops over {@link ElementAccess}, one element at a time: the reference the vector path is tested against. */
public final class ScalarBackend implements Backend {
    public static final ScalarBackend INSTANCE = new ScalarBackend();

    @Override
    public String name() { return "cpu-scalar"; }

    @Override
    public AxisStats stats(MatrixView m, long rowStart, long rowEnd, Axis axis,
                           double[] rowFactors, double[] colFactors, boolean offsetGain) {
        long cols = m.cols();
        AxisStats out = axis == Axis.ROWS
            ? AxisStats.zeros(rowStart, Math.toIntExact(rowEnd - rowStart), cols)
            : AxisStats.zeros(0, Math.toIntExact(cols), rowEnd - rowStart);
        for (long i = rowStart; i < rowEnd; i++) {
            double r = rowFactors == null ? 1.0 : rowFactors[(int) i];
            for (long j = 0; j < cols; j++) {
                double w = ElementAccess.get(m.data(), m.dtype(), i * cols + j);
                double c = colFactors == null ? 1.0 : colFactors[(int) j];
                double v = r * (offsetGain ? 1.0 + w : w) * c;
                int k = (int) (axis == Axis.ROWS ? i - rowStart : j);
                accumulate(out, k, v);
            }
        }
        return out;
    }

    static void accumulate(AxisStats out, int k, double v) {
        double a = Math.abs(v);
        out.sum()[k] += v;
        out.absSum()[k] += a;
        out.sqSum()[k] += v * v;
        out.absMax()[k] = Math.max(out.absMax()[k], a);
    }

    @Override
    public void scale(MatrixView src, long first, long count, MemorySegment dst,
                      double[] rowFactors, double[] colFactors, boolean offsetGain) {
        scale(src, src.data().asSlice(src.dtype().byteSize() * first), first, count, dst, rowFactors, colFactors, offsetGain);
    }

    @Override
    public boolean scale(MatrixView src, MemorySegment elements, long first, long count, MemorySegment dst,
                         double[] rowFactors, double[] colFactors, boolean offsetGain) {
        long cols = src.cols();
        for (long e = first; e < first + count; e++) {
            long g = e / cols;
            long j = e - g * cols;
            double r = rowFactors == null ? 1.0 : rowFactors[(int) g];
            double c = colFactors == null ? 1.0 : colFactors[(int) ((g / src.rows()) * cols + j)];
            double w = ElementAccess.get(elements, src.dtype(), e - first);
            ElementAccess.set(dst, src.dtype(), e - first, scaled(w, r, c, offsetGain));
        }
        return false;  // computed in double and rounded: the reference, which never vouches for the range
    }

    /** One element scaled in double, in this order; the caller rounds it once to the stored dtype. */
    static double scaled(double w, double rowFactor, double colFactor, boolean offsetGain) {
        return offsetGain ? (1.0 + w) * rowFactor * colFactor - 1.0 : rowFactor * w * colFactor;
    }
}
