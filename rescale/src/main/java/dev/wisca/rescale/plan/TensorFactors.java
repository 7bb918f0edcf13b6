package dev.wisca.rescale.plan;

import dev.wisca.io.Dtype;
import java.util.Arrays;

/**
 * The product of every site factor touching one tensor: {@code W' = diag(r) · W · diag(c)} per
 * matrix; an offset gain stores {@code (1 + w)·r − 1}. The tensor is seen as stacked matrices
 * (1-D {@code [n]} as {@code [n, 1]}, 3-D {@code [E, a, b]} as E matrices {@code a × b}):
 * {@code rows[batch·a + i]}, {@code cols[batch·b + j]}.
 *
 * @param tensor     stored name
 * @param dtype      stored dtype the plan was made for
 * @param shape      stored shape the plan was made for
 * @param rows       one factor per global row
 * @param cols       one factor per column of each batch
 * @param offsetGain the tensor stores w for a gain 1 + w
 */
public record TensorFactors(String tensor, Dtype dtype, long[] shape, double[] rows, double[] cols, boolean offsetGain) {
    public TensorFactors {
        shape = shape.clone();
        rows = rows.clone();
        cols = cols.clone();
        if (rows.length != expectedRows(shape) || cols.length != expectedCols(shape)) {
            throw new IllegalArgumentException(tensor + ": factor lengths " + rows.length + "/" + cols.length
                + " do not fit shape " + Arrays.toString(shape));
        }
    }

    /** All-ones factors for a tensor of this shape. */
    public static TensorFactors ones(String tensor, Dtype dtype, long[] shape, boolean offsetGain) {
        double[] r = new double[expectedRows(shape)];
        double[] c = new double[expectedCols(shape)];
        Arrays.fill(r, 1.0);
        Arrays.fill(c, 1.0);
        return new TensorFactors(tensor, dtype, shape, r, c, offsetGain);
    }

    public static int expectedRows(long[] shape) {
        return switch (shape.length) {
            case 1 -> Math.toIntExact(shape[0]);
            case 2 -> Math.toIntExact(shape[0]);
            case 3 -> Math.toIntExact(shape[0] * shape[1]);
            default -> throw new IllegalArgumentException("rank " + shape.length + " tensors cannot be scaled");
        };
    }

    public static int expectedCols(long[] shape) {
        return switch (shape.length) {
            case 1 -> 1;
            case 2 -> Math.toIntExact(shape[1]);
            case 3 -> Math.toIntExact(shape[0] * shape[2]);
            default -> throw new IllegalArgumentException("rank " + shape.length + " tensors cannot be scaled");
        };
    }

    @Override
    public long[] shape() { return shape.clone(); }

    @Override
    public double[] rows() { return rows.clone(); }

    @Override
    public double[] cols() { return cols.clone(); }

    /** Read-only access without copying, for the hot loops. */
    double[] rowsView() { return rows; }

    double[] colsView() { return cols; }

    /** The reciprocal factors: applying them undoes these. */
    public TensorFactors inverse() {
        return new TensorFactors(tensor, dtype, shape, reciprocal(rows), reciprocal(cols), offsetGain);
    }

    public boolean isIdentity() {
        for (double r : rows) if (r != 1.0) return false;
        for (double c : cols) if (c != 1.0) return false;
        return true;
    }

    private static double[] reciprocal(double[] v) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) out[i] = 1.0 / v[i];
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TensorFactors f && tensor.equals(f.tensor) && dtype == f.dtype && Arrays.equals(shape, f.shape)
            && Arrays.equals(rows, f.rows) && Arrays.equals(cols, f.cols) && offsetGain == f.offsetGain;
    }

    @Override
    public int hashCode() { return tensor.hashCode() * 31 + Arrays.hashCode(rows); }

    @Override
    public String toString() { return "TensorFactors[" + tensor + " " + dtype + Arrays.toString(shape) + "]"; }
}
