package dev.wisca.rescale.spec;

/** How a model's norms apply their gain. */
public enum NormKind {
    /** RMSNorm: x̂ · g. */
    RMS,
    /** RMSNorm storing w for a gain of 1 + w (Gemma). */
    RMS_OFFSET,
    /** LayerNorm: x̂ · g + β. */
    LAYERNORM;

    static NormKind parse(String s) {
        return switch (s) {
            case "rms" -> RMS;
            case "rms_offset" -> RMS_OFFSET;
            case "layernorm" -> LAYERNORM;
            default -> throw new IllegalArgumentException("norm '" + s + "' (expected rms, rms_offset, layernorm)");
        };
    }
}
