package dev.wisca.rescale.spec;

/** The feed-forward block's shape and activation. */
public enum MlpKind {
    /** down(silu(gate x) ⊙ up x). */
    GATED_SILU,
    /** down(gelu(gate x) ⊙ up x) (GeGLU, tanh approximation in Gemma). */
    GATED_GELU,
    /** proj(gelu(fc x)): no up/down symmetry. */
    GELU,
    /** proj(relu(fc x)): positive per-channel scales pass through. */
    RELU;

    public boolean gated() { return this == GATED_SILU || this == GATED_GELU; }

    /** Whether up rows × s, down columns ÷ s is exact (for s > 0). */
    public boolean hasUpDownSymmetry() { return this != GELU; }

    static MlpKind parse(String s) {
        return switch (s) {
            case "gated_silu" -> GATED_SILU;
            case "gated_gelu" -> GATED_GELU;
            case "gelu" -> GELU;
            case "relu" -> RELU;
            default -> throw new IllegalArgumentException("mlp '" + s + "' (expected gated_silu, gated_gelu, gelu, relu)");
        };
    }
}
