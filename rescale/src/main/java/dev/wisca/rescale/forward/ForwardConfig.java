package dev.wisca.rescale.forward;

import dev.wisca.rescale.spec.MlpKind;
import dev.wisca.rescale.spec.NormKind;
import dev.wisca.rescale.spec.RopePairing;

import java.util.Optional;

/**
 * Everything a forward pass needs besides the weights, resolved once from the spec binding,
 * config.json and the family's {@code forward} section of its spec ({@link dev.wisca.rescale.spec.ForwardRules}). Both implementations read only this and roles.
 *
 * @param modelType     the family
 * @param layers        decoder layers
 * @param hidden        residual width
 * @param heads         query heads
 * @param kvHeads       key/value heads (query head h reads kv head h / (heads / kvHeads))
 * @param headDim       dims per head
 * @param vocab         output logits per position
 * @param tied          whether the output head is the token embedding
 * @param norm          norm kind
 * @param normEps       norm epsilon
 * @param mlp           MLP kind (gated or not)
 * @param activation    MLP activation
 * @param block         how attention, MLP and residual combine
 * @param attnNorm      norm role before attention, or null for a post-norm block (OLMo 2: only attnOutNorm)
 * @param mlpNorm       norm role before the MLP (the attention norm for shared-norm parallel blocks), or null for a post-norm block
 * @param attnOutNorm   norm role on the attention output, or null
 * @param mlpOutNorm    norm role on the MLP output, or null
 * @param rope          rotary embedding, or null without RoPE
 * @param learnedPositions whether a learned position embedding is added (GPT-2)
 * @param embedScale    factor on the token embeddings (1 for none; rounded to the compute dtype by users)
 * @param attnScale     factor on q·k scores
 * @param attnSoftcap   attention score softcap (0: none): cap · tanh(s / cap)
 * @param finalSoftcap  final logit softcap (0: none)
 * @param qkNorm        whether q and k are RMS-normed per head before RoPE (Qwen 3)
 * @param moe           expert routing, or null for a dense MLP
 * @param slidingWindow which layers attend only to a window of recent positions (Mistral, Qwen 2, Gemma 2 …)
 * @param multipliers   scalar multipliers (Granite, Cohere); {@code embedScale} and {@code attnScale} already
 *                      include its embedding and attention factors, the blocks apply its residual and logit ones
 * @param ropePairing   which two dims of a head each rotary frequency turns (the spec's {@code rope.pairing})
 * @param qkNormFullWidth whether the q/k norms span the whole projection width, all heads together (OLMo 2),
 *                    rather than each head ({@link QkNorms})
 * @param slidingRope   the rotary embedding of the sliding-window layers when they have their own (Gemma 3's
 *                      local base), or null: every layer uses {@code rope} ({@link SlidingRope})
 * @param sinks         the role of per-head attention sink logits ({@link AttentionSinks}, gpt-oss), or null
 * @param routing       how router logits become expert weights ({@link Routing}), or null for a dense MLP
 * @param clampedSwiglu the experts' clamped SwiGLU (gpt-oss), or null for act(gate) · up
 * @param latent        multi-head latent attention ({@link LatentAttention}, DeepSeek), or null for q/k/v attention
 * @param encoder     a bidirectional encoder's embeddings and positions (BERT, RoBERTa), or null for a causal LM:
 *                    no causal mask, and the output is the last hidden state ({@link #outputWidth()} = hidden)
 * @param noRope      the layers without RoPE and their attention temperature tuning ({@link NoRopeLayers}, Llama 4),
 *                    or null: every layer rotates (when {@code rope} is set)
 * @param l2QkNorm    whether the RoPE layers divide each q and k head by its RMS after RoPE, without a gain
 *                    ({@link L2QkNorm}, Llama 4's {@code use_qk_norm})
 * @param chunks      chunked attention ({@link ChunkedAttention}, Llama 4), or null
 */
public record ForwardConfig(
    String modelType, int layers, int hidden, int heads, int kvHeads, int headDim, int vocab, boolean tied,
    NormKind norm, double normEps, MlpKind mlp, Activation activation,
    BlockLayout block, String attnNorm, String mlpNorm, String attnOutNorm, String mlpOutNorm,
    Rope rope, boolean learnedPositions, double embedScale, double attnScale, double attnSoftcap, double finalSoftcap,
    boolean qkNorm, Moe moe, SlidingWindow slidingWindow, Multipliers multipliers,
    RopePairing ropePairing, boolean qkNormFullWidth,
    Rope slidingRope,
    String sinks, Routing routing, ClampedSwiglu clampedSwiglu, LatentAttention latent,
    Encoder encoder,
    NoRopeLayers noRope, boolean l2QkNorm, ChunkedAttention chunks) {

    /**
     * Mixture-of-experts routing.
     *
     * @param experts      experts per layer
     * @param topK         experts per token
     * @param renormalize  whether the kept top-k probabilities are rescaled to sum 1
     * @param sharedExpert whether a sigmoid-gated shared expert is added (Qwen2-MoE)
     */
    public record Moe(int experts, int topK, boolean renormalize, boolean sharedExpert) {}

    public int groupSize() { return heads / kvHeads; }

    /** Values per position of the output: logits over the vocabulary, or an encoder's hidden state. */
    public int outputWidth() { return encoder == null ? vocab : hidden; }

    /** The last position position {@code t} of a {@code seq}-long sequence attends to (all of them in an encoder). */
    public int lastVisible(int t, int seq) { return encoder == null ? t : seq - 1; }

    public Optional<Rope> ropeIfAny() { return Optional.ofNullable(rope); }

    public Optional<Moe> moeIfAny() { return Optional.ofNullable(moe); }
}
