package dev.wisca.rescale.spec;

import java.util.Arrays;
import java.util.List;
import java.util.stream.IntStream;

/**
 * A role's stored tensor in one layer.
 *
 * @param role      role name in the spec
 * @param layer     layer index, -1 for globals
 * @param template  full name, with {@code ${expert}} for per-expert tensors
 * @param shape     stored shape (with the leading expert axis when batched)
 * @param kind      what its values are for
 * @param inOut     2-D stored as [in, out] (Conv1D): logical rows are stored columns
 * @param batched   leading axis indexes experts (one tensor for all experts)
 */
public record BoundTensor(String role, int layer, String template, long[] shape, TensorKind kind, boolean inOut, boolean batched) {
    public BoundTensor {
        shape = shape.clone();
    }

    @Override
    public long[] shape() { return shape.clone(); }

    /** One tensor per expert, named with {@code ${expert}}. */
    public boolean perExpert() { return template.contains("${expert}"); }

    public String name(int expert) { return template.replace("${expert}", Integer.toString(expert)); }

    /** The stored names: one per expert for per-expert tensors, else the one name. */
    public List<String> perExpertNames(int experts) {
        if (!perExpert()) return List.of(template);
        return IntStream.range(0, experts).mapToObj(this::name).toList();
    }

    /** Rank of the matrix (1 or 2), without the expert axis. */
    public int matrixRank() { return shape.length - (batched ? 1 : 0); }

    /** Elements of one matrix (or vector): the stored shape without the expert axis. */
    public long matrixElements() {
        long n = 1;
        for (int i = batched ? 1 : 0; i < shape.length; i++) n *= shape[i];
        return n;
    }

    /** Element index where {@code expert}'s matrix starts: in a batched tensor {@code expert × matrixElements()}, else 0. */
    public long expertOffset(int expert) { return batched ? Math.max(expert, 0) * matrixElements() : 0; }

    /** Logical rows (outputs) of the matrix, or the length of a vector. */
    public long logicalRows() {
        int o = batched ? 1 : 0;
        return matrixRank() == 2 && inOut ? shape[o + 1] : shape[o];
    }

    /** Logical columns (inputs) of the matrix; 1 for a vector. */
    public long logicalCols() {
        int o = batched ? 1 : 0;
        if (matrixRank() == 1) return 1;
        return inOut ? shape[o] : shape[o + 1];
    }

    public boolean isNormGain() { return kind == TensorKind.NORM; }

    public boolean isNormBias() { return kind == TensorKind.NORM_BIAS; }

    public boolean isEmbedding() { return kind == TensorKind.EMBEDDING; }

    @Override
    public boolean equals(Object o) {
        return o instanceof BoundTensor b && role.equals(b.role) && layer == b.layer && template.equals(b.template)
            && Arrays.equals(shape, b.shape) && kind.equals(b.kind) && inOut == b.inOut && batched == b.batched;
    }

    @Override
    public int hashCode() { return template.hashCode() * 31 + layer; }

    @Override
    public String toString() { return template + Arrays.toString(shape); }
}
