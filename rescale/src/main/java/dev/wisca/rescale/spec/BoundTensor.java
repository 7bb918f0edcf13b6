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
 * @param heads     0, or the number of stored tensors a per-head vector is split into (template with {@code ${head}},
 *                  each of {@code shape}); the logical vector is their concatenation, head 0 first
 */
public record BoundTensor(String role, int layer, String template, long[] shape, TensorKind kind, boolean inOut, boolean batched,
                          int heads) {
    /** The placeholder of a per-head tensor's index. */
    public static final String HEAD = "${head}";

    public BoundTensor {
        shape = shape.clone();
        if (heads > 0 && shape.length != 1) throw new IllegalArgumentException("per-head tensors are vectors: " + template);
    }

    public BoundTensor(String role, int layer, String template, long[] shape, TensorKind kind, boolean inOut, boolean batched) {
        this(role, layer, template, shape, kind, inOut, batched, 0);
    }

    @Override
    public long[] shape() { return shape.clone(); }

    /** One tensor per expert, named with {@code ${expert}}. */
    public boolean perExpert() { return template.contains("${expert}"); }

    /** Stored as one tensor per head ({@code ${head}}). */
    public boolean perHead() { return heads > 0; }

    /** The stored name for an expert (per-expert tensors) or a head (per-head ones); the index is ignored otherwise. */
    public String name(int index) {
        String i = Integer.toString(index);
        return template.replace("${expert}", i).replace(HEAD, i);
    }

    /** The stored names: one per expert for per-expert tensors, one per head for per-head ones, else the one name. */
    public List<String> perExpertNames(int experts) {
        if (perHead()) return IntStream.range(0, heads).mapToObj(this::name).toList();
        if (!perExpert()) return List.of(template);
        return IntStream.range(0, experts).mapToObj(this::name).toList();
    }

    /** Entries of one stored piece: a per-head tensor's head_dim, else all logical rows. */
    public long pieceRows() { return perHead() ? shape[0] : logicalRows(); }

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

    /** Logical rows (outputs) of the matrix, or the length of a vector (all heads of a per-head one). */
    public long logicalRows() {
        if (perHead()) return heads * shape[0];
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
            && Arrays.equals(shape, b.shape) && kind.equals(b.kind) && inOut == b.inOut && batched == b.batched && heads == b.heads;
    }

    @Override
    public int hashCode() { return template.hashCode() * 31 + layer; }

    @Override
    public String toString() { return template + Arrays.toString(shape); }
}
