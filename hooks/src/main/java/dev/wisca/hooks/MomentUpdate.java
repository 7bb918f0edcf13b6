package dev.wisca.hooks;

/** What a {@link ParameterStore} did with a rescaled parameter's optimizer moments. */
public enum MomentUpdate {
    /** First moment × 1/(r c), second × 1/(r c)²: consistent with the new weights. */
    SCALED,
    /** The optimizer holds no state for the parameter yet (before the first step): nothing to do. */
    NONE,
    /** The optimizer does not expose its moments: they were reset (logged by the adapter). */
    RESET
}
