package dev.wisca.hooks;

import dev.wisca.io.TensorSpec;
import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.graph.Axis;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Parameters held as double arrays in memory (row-major), each rounded to its declared dtype
 * (F32 or F64) whenever it is written, with optional Adam moments. The reference
 * {@link ParameterStore}: small models, tests and samples.
 */
public final class MemoryParameterStore implements ParameterStore {
    private record Entry(TensorSpec info, double[] values, double[] firstMoment, double[] secondMoment) {}

    private final Map<String, Entry> entries = new LinkedHashMap<>();

    /** Adds a parameter; {@code values} is kept (not copied) and rounded to {@code dtype}. */
    public MemoryParameterStore put(String name, Dtype dtype, long[] shape, double[] values) {
        if (dtype != Dtype.F32 && dtype != Dtype.F64) {
            throw new WiscaException(ErrorKind.UNSUPPORTED_DTYPE, null, name, "the memory store holds F32 or F64, not " + dtype);
        }
        long n = 1;
        for (long d : shape) n *= d;
        if (n != values.length) throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, name, values.length + " values for " + n + " elements");
        round(dtype, values);
        entries.put(name, new Entry(new TensorSpec(name, dtype, shape), values, null, null));
        return this;
    }

    /** Attaches Adam moments (same shape as the parameter, kept not copied). */
    public MemoryParameterStore putMoments(String name, double[] first, double[] second) {
        Entry e = entry(name);
        if (first.length != e.values.length || second.length != e.values.length) {
            throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, name, "moments must have the parameter's size");
        }
        entries.put(name, new Entry(e.info, e.values, first, second));
        return this;
    }

    /** The live values of a parameter (not a copy). */
    public double[] values(String name) { return entry(name).values; }

    public double[] firstMoment(String name) { return entry(name).firstMoment; }

    public double[] secondMoment(String name) { return entry(name).secondMoment; }

    @Override
    public List<TensorSpec> parameters() {
        List<TensorSpec> out = new ArrayList<>();
        for (Entry e : entries.values()) out.add(e.info);
        return out;
    }

    @Override
    public IndexStats statistics(StatQuery q, double[] rowFactors, double[] colFactors) {
        Entry e = entry(q.tensor());
        Layout l = Layout.of(e.info, q.batch());
        int length = (int) (q.axis() == Axis.ROWS ? l.rows : l.cols);
        double[] sum = new double[length], abs = new double[length], sq = new double[length], max = new double[length];
        for (long i = 0; i < l.rows; i++) {
            long g = l.rowBase + i;
            double r = rowFactors == null ? 1.0 : rowFactors[(int) g];
            for (long j = 0; j < l.cols; j++) {
                double w = e.values[(int) (g * l.cols + j)];
                double c = colFactors == null ? 1.0 : colFactors[(int) (l.colBase + j)];
                double v = q.offsetGain() ? r * (1 + w) : r * w * c;
                int k = (int) (q.axis() == Axis.ROWS ? i : j);
                sum[k] += v;
                abs[k] += Math.abs(v);
                sq[k] += v * v;
                max[k] = Math.max(max[k], Math.abs(v));
            }
        }
        return new IndexStats(sum, abs, sq, max);
    }

    @Override
    public void scale(String name, double[] rows, double[] cols, boolean offsetGain) {
        Entry e = entry(name);
        forEach(e, rows, cols, (k, f) -> e.values[k] = offsetGain ? (1 + e.values[k]) * f - 1 : e.values[k] * f);
        round(e.info.dtype(), e.values);
    }

    @Override
    public MomentUpdate scaleMoments(String name, double[] momentRows, double[] momentCols) {
        Entry e = entry(name);
        if (e.firstMoment == null) return MomentUpdate.NONE;
        forEach(e, momentRows, momentCols, (k, f) -> {
            e.firstMoment[k] *= f;
            e.secondMoment[k] *= f * f;
        });
        return MomentUpdate.SCALED;
    }

    private interface ElementOp {
        void apply(int index, double factor);
    }

    /** Calls {@code op} with every element's index and its factor {@code rows[g]·cols[batch·b + j]}. */
    private static void forEach(Entry e, double[] rows, double[] cols, ElementOp op) {
        long[] s = e.info.shape();
        long b = s.length == 3 ? s[2] : s.length == 2 ? s[1] : 1;
        long a = s.length == 3 ? s[1] : s[0];
        long globalRows = s.length == 3 ? s[0] * s[1] : s[0];
        for (long g = 0; g < globalRows; g++) {
            long colBase = (g / a) * b;
            for (long j = 0; j < b; j++) op.apply((int) (g * b + j), rows[(int) g] * cols[(int) (colBase + j)]);
        }
    }

    /** The matrix a query reads: rows × cols starting at global row rowBase, its columns at colBase. */
    private record Layout(long rows, long cols, long rowBase, long colBase) {
        static Layout of(TensorSpec info, int batch) {
            long[] s = info.shape();
            return switch (s.length) {
                case 1 -> new Layout(s[0], 1, 0, 0);
                case 2 -> new Layout(s[0], s[1], 0, 0);
                case 3 -> {
                    if (batch < 0 || batch >= s[0]) throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, info.name(), "batch " + batch + " outside " + s[0]);
                    yield new Layout(s[1], s[2], batch * s[1], batch * s[2]);
                }
                default -> throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, info.name(), "rank " + s.length + " cannot be measured");
            };
        }
    }

    private static void round(Dtype dtype, double[] values) {
        if (dtype == Dtype.F32) for (int i = 0; i < values.length; i++) values[i] = (float) values[i];
    }

    private Entry entry(String name) {
        Entry e = entries.get(name);
        if (e == null) throw new WiscaException(ErrorKind.TENSOR_NOT_FOUND, null, name, "no such parameter in the store");
        return e;
    }
}
