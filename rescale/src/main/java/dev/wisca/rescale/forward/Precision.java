package dev.wisca.rescale.forward;

/** The floating-point type a forward pass computes in. */
public enum Precision {
    /** float64: the default; differences from storage rounding stay far above its rounding noise. */
    F64,
    /** float32: faster, for larger models. */
    F32;

    /** Rounds {@code v} to this precision (identity for F64). */
    public double round(double v) { return this == F32 ? (float) v : v; }
}
