package dev.wisca.rescale.spec;

/**
 * A role resolved in one layer: its stored tensor and, for a slice of a fused tensor, which
 * logical rows it owns ({@code rows} is the whole axis otherwise).
 */
public record BoundRole(String role, BoundTensor tensor, IndexMap rows) {
    public boolean isSlice() { return !rows.isWhole(tensor.logicalRows()); }

    /** Logical rows of this role (the slice's size). */
    public long logicalRows() { return rows.size(); }
}
