package dev.wisca.rescale.spec;

/**
 * The role and dim names the built-in specs share, and that the forward pass, the probe verifier and
 * the pattern statistics look up: what a role means, not what its tensor is called (every spec maps
 * roles to its own tensors). A spec that names a block's roles otherwise still binds and rescales;
 * only the readers that need that block by meaning skip it. Family-specific norm roles come from the
 * forward pass's family rules.
 */
public final class Roles {
    public static final String EMBED = "embed";
    public static final String POSITIONS = "positions";
    public static final String FINAL_NORM = "final_norm";
    /** Encoders: the token-type embedding table (row 0 is added: token type ids are all zero). */
    public static final String TOKEN_TYPES = "token_types";
    /** Encoders: the LayerNorm over word + position + token-type embeddings. */
    public static final String EMBED_NORM = "embed_norm";
    public static final String LM_HEAD = "lm_head";
    public static final String Q = "q";
    public static final String K = "k";
    public static final String V = "v";
    public static final String O = "o";
    /** QK-norm gains [head_dim], applied per head before RoPE. */
    public static final String Q_NORM = "q_norm";
    public static final String K_NORM = "k_norm";
    /** Gated MLP: down(act(gate x + b) ⊙ (up x + b)). */
    public static final String GATE = "gate";
    /** The up projection; the only input projection of ungated MLPs: down(act(up x + b)). */
    public static final String UP = "up";
    public static final String DOWN = "down";
    public static final String ROUTER = "router";
    public static final String SHARED_GATE = "shared_gate";
    public static final String SHARED_UP = "shared_up";
    public static final String SHARED_DOWN = "shared_down";
    public static final String SHARED_EXPERT_GATE = "shared_expert_gate";
    public static final String Q_BIAS = bias(Q);
    public static final String K_BIAS = bias(K);
    public static final String V_BIAS = bias(V);
    public static final String GATE_BIAS = bias(GATE);
    public static final String UP_BIAS = bias(UP);

    /** Dims every head-structured spec declares. */
    public static final String DIM_HEADS = "heads";
    public static final String DIM_KV_HEADS = "kv_heads";
    public static final String DIM_HEAD_DIM = "head_dim";
    public static final String DIM_HIDDEN = "hidden";
    public static final String DIM_VOCAB = "vocab";
    /** Experts each token is routed to (MoE specs). */
    public static final String DIM_TOP_K = "top_k";

    private Roles() {}

    /** The role of a weight's or norm's bias, by the specs' convention {@code <role>_bias}. */
    public static String bias(String role) { return role + "_bias"; }
}
