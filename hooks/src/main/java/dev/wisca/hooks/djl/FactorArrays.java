package dev.wisca.hooks.djl;

import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;

/**
 * Factor vectors as broadcastable f64 arrays for a parameter's shape, following
 * {@code dev.wisca.rescale.plan.TensorFactors}: {@code [n]} is {@code [n, 1]}, {@code [a, b]} one
 * matrix, {@code [E, a, b]} E matrices; {@code rows[e·a + i]}, {@code cols[e·b + j]}.
 */
final class FactorArrays {
    private FactorArrays() {}

    /** {@code rows_i · cols_j} shaped like {@code shape}, on {@code manager}'s device, in f64. */
    static NDArray outer(NDManager manager, Shape shape, double[] rows, double[] cols) {
        NDArray r = column(manager, shape, rows);
        NDArray c = row(manager, shape, cols);
        return r.mul(c).reshape(shape);
    }

    /** Row factors broadcastable against the parameter viewed as (stacked) matrices. */
    static NDArray column(NDManager manager, Shape shape, double[] rows) {
        return switch (shape.dimension()) {
            case 1, 2 -> manager.create(rows).reshape(rows.length, 1);
            case 3 -> manager.create(rows).reshape(shape.get(0), shape.get(1), 1);
            default -> throw new IllegalArgumentException("rank " + shape.dimension() + " has no row/column factors");
        };
    }

    static NDArray row(NDManager manager, Shape shape, double[] cols) {
        return switch (shape.dimension()) {
            case 1, 2 -> manager.create(cols).reshape(1, cols.length);
            case 3 -> manager.create(cols).reshape(shape.get(0), 1, shape.get(2));
            default -> throw new IllegalArgumentException("rank " + shape.dimension() + " has no row/column factors");
        };
    }

    /** The parameter viewed as (stacked) matrices: {@code [n]} becomes {@code [n, 1]}. */
    static NDArray asMatrix(NDArray array) {
        return array.getShape().dimension() == 1 ? array.reshape(array.getShape().get(0), 1) : array;
    }
}
