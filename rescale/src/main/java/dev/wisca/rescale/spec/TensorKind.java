package dev.wisca.rescale.spec;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * What a spec role's values are for ({@code kind} in a spec, default {@link #WEIGHT}). Not a role: the
 * role {@link Roles#ROUTER} names a tensor, the kind {@link #ROUTER} says what such a tensor holds.
 */
public enum TensorKind {
    WEIGHT,
    BIAS,
    /** A norm's gain. */
    NORM,
    /** A LayerNorm bias (added after the gain). */
    NORM_BIAS,
    EMBEDDING,
    ROUTER;

    /** The name a spec file writes ({@code "norm_bias"}). */
    public String specName() { return name().toLowerCase(Locale.ROOT); }

    /** The kind a spec file names, if it is one. */
    public static Optional<TensorKind> parse(String specName) {
        return Arrays.stream(values()).filter(k -> k.specName().equals(specName)).findFirst();
    }

    /** Every spec name, for messages. */
    public static List<String> specNames() { return Arrays.stream(values()).map(TensorKind::specName).toList(); }
}
