package dev.wisca.rescale.forward;

/**
 * The spec role names the forward pass reads (roles, not tensor names: every spec maps them to its
 * own tensors). Family-specific norm roles come from {@link FamilyRules}.
 */
public final class Roles {
    public static final String EMBED = "embed";
    public static final String POSITIONS = "positions";
    public static final String FINAL_NORM = "final_norm";
    public static final String LM_HEAD = "lm_head";
    public static final String Q = "q";
    public static final String K = "k";
    public static final String V = "v";
    public static final String O = "o";
    public static final String Q_NORM = "q_norm";
    public static final String K_NORM = "k_norm";
    public static final String GATE = "gate";
    /** The up projection; the only input projection of ungated MLPs. */
    public static final String UP = "up";
    public static final String DOWN = "down";
    public static final String ROUTER = "router";
    public static final String SHARED_GATE = "shared_gate";
    public static final String SHARED_UP = "shared_up";
    public static final String SHARED_DOWN = "shared_down";
    public static final String SHARED_EXPERT_GATE = "shared_expert_gate";

    private Roles() {}

    /** The role of a weight's or norm's bias, by the specs' convention {@code <role>_bias}. */
    public static String bias(String role) { return role + "_bias"; }
}
