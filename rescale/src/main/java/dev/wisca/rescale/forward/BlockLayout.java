package dev.wisca.rescale.forward;

/** How a decoder layer combines attention, MLP and the residual stream. */
public enum BlockLayout {
    /** h = x + attn(n₁(x)); y = h + mlp(n₂(h)). */
    SEQUENTIAL,
    /** y = x + attn(n₁(x)) + mlp(n₂(x)); n₂ may be n₁ (GPT-NeoX, Falcon). */
    PARALLEL,
    /** h = x + n₃(attn(n₁(x))); y = h + n₄(mlp(n₂(h))) (Gemma 2). */
    SANDWICH,
    /** h = n₁(x + attn(x)); y = n₂(h + mlp(h)): post-LayerNorm encoders (BERT), n₁/n₂ the attention and MLP norm roles. */
    POST_NORM
}
