package dev.wisca.rescale.pattern;

import dev.wisca.io.Dtype;

/**
 * One stored tensor.
 *
 * @param name     stored name
 * @param role     spec role of the tensor ({@code null} when the spec does not account for it)
 * @param layer    layer index, -1 for globals and unknown tensors
 * @param dtype    stored dtype
 * @param shape    stored shape
 * @param elements number of elements
 * @param values   norms and non-finite counts; {@code null} for dtypes without values to measure
 *                 (integers, bool, complex, packed FP4/FP6)
 */
public record TensorStats(String name, String role, int layer, Dtype dtype, long[] shape, long elements, ValueStats values) {
    public TensorStats {
        shape = shape.clone();
    }

    @Override
    public long[] shape() { return shape.clone(); }
}
