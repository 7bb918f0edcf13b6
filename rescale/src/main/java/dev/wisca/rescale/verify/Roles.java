package dev.wisca.rescale.verify;

/**
 * The role vocabulary the built-in specs share and the probes read: what a role means, not what
 * its tensor is called (names live in the spec files). A spec that gives a block's roles other
 * names is still verified by the bit-identity and site-driven checks, but not by that block's probe.
 */
final class Roles {
    static final String Q = "q";
    static final String K = "k";
    static final String V = "v";
    static final String O = "o";
    static final String Q_BIAS = "q_bias";
    static final String K_BIAS = "k_bias";
    static final String V_BIAS = "v_bias";
    /** QK-norm gains [head_dim], applied per head before RoPE. */
    static final String Q_NORM = "q_norm";
    static final String K_NORM = "k_norm";
    /** Gated MLP: down(act(gate x + b) ⊙ (up x + b)); ungated MLPs have up and down only: down(act(up x + b)). */
    static final String GATE = "gate";
    static final String UP = "up";
    static final String DOWN = "down";
    static final String GATE_BIAS = "gate_bias";
    static final String UP_BIAS = "up_bias";
    static final String ROUTER = "router";
    static final String SHARED_GATE = "shared_gate";
    static final String SHARED_UP = "shared_up";
    static final String SHARED_DOWN = "shared_down";
    static final String SHARED_EXPERT_GATE = "shared_expert_gate";
    static final String LM_HEAD = "lm_head";

    /** Tensor kind of a LayerNorm bias (added after the gain). */
    static final String KIND_NORM_BIAS = "norm_bias";

    /** Dims every head-structured spec declares. */
    static final String DIM_HEADS = "heads";
    static final String DIM_KV_HEADS = "kv_heads";
    static final String DIM_HEAD_DIM = "head_dim";
    static final String DIM_HIDDEN = "hidden";

    private Roles() {}
}
