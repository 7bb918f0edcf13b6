package dev.wisca.rescale.spec;

import java.util.List;

/** The tensor kinds a spec role may declare ({@code kind}, default {@link #WEIGHT}): what its values are for. */
public final class TensorKinds {
    public static final String WEIGHT = "weight";
    public static final String BIAS = "bias";
    /** A norm's gain. */
    public static final String NORM = "norm";
    /** A LayerNorm bias (added after the gain). */
    public static final String NORM_BIAS = "norm_bias";
    public static final String EMBEDDING = "embedding";
    public static final String ROUTER = "router";
    public static final List<String> ALL = List.of(WEIGHT, BIAS, NORM, NORM_BIAS, EMBEDDING, ROUTER);

    private TensorKinds() {}
}
