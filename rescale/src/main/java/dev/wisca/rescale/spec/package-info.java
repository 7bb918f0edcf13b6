/**
 * Architecture specs: one JSON file per model family holding its tensors, dims, sites and forward rules
 * (built-ins in {@code resources/dev/wisca/rescale/specs}, found by scanning the folder; users pass their own
 * file). One schema ({@link dev.wisca.rescale.spec.SpecJson}); unknown keys are rejected. The full reference
 * with a worked example is {@code docs/specs.md}.
 *
 * <h2>Format</h2>
 * <ul>
 * <li>{@code model_type}, {@code architectures}: detection from config.json.</li>
 * <li>{@code norm} ({@code rms | rms_offset | layernorm}), {@code mlp} ({@code gated_silu | gated_gelu | gelu | relu}).</li>
 * <li>{@code dims}: name → expression, or {@code {"key": [config keys...], "else": expression}}. Expressions use
 *     numbers, earlier dims, config keys (dotted paths such as {@code rope_parameters.partial_rotary_factor}),
 *     {@code + - * / %}, comparisons, {@code ! && ||} and {@code c ? a : b}; booleans are 1/0. Names the code
 *     relies on: {@code layers}, {@code head_dim}, {@code experts} (MoE), {@code tied}.</li>
 * <li>{@code rope}: {@code {"pairing": "rotate_half" | "interleaved", "fraction": dim rule}}; absent without RoPE.</li>
 * <li>{@code prefix}: per-layer name prefix(es) with {@code ${layer}}; the first that matches is used.</li>
 * <li>{@code globals} / {@code tensors}: role → alternative(s). A stored tensor: {@code name} (aliases; {@code ${expert}}
 *     for per-expert tensors), {@code shape} (stored, expressions), {@code kind}, {@code layout: in_out} (Conv1D),
 *     {@code batched} (leading expert axis), {@code optional}, {@code when}, {@code variant} (synthetic only). A slice:
 *     {@code of} + {@code rows: {start, size, block, stride}} (index i at start + (i / block)·stride + i % block).</li>
 * <li>{@code sites}: {@code pair}, {@code id}, {@code mul} (× s) and {@code div} (÷ s) as {@code role.rows},
 *     {@code role.cols} or {@code role} (vector), {@code ?} = optional; {@code group} (dim: one scale per head group),
 *     {@code rope} (tie rotary pairs), {@code head_dim}, {@code repeat} (dim, with {@code ${expert}} in the id),
 *     {@code scope: global}, {@code when}, {@code skip} (reason), {@code skip_if: [{when, reason}]}.</li>
 * <li>{@code forward}: forward-pass facts for {@code verify} ({@link dev.wisca.rescale.spec.ForwardRules}).</li>
 * <li>{@code examples}: name → {@code {config, variants}} for the synthetic generator.</li>
 * </ul>
 *
 * <h2>Role vocabulary of the built-in specs</h2>
 * {@code embed}, {@code positions}, {@code final_norm}(+{@code _bias}), {@code lm_head}; per layer {@code attn_norm}
 * (feeds attention), {@code mlp_norm} (feeds the MLP), {@code shared_norm} (falcon single LayerNorm),
 * {@code attn_out_norm}/{@code mlp_out_norm} (gemma2 post-norms), {@code q k v o} (+{@code _bias}), {@code qkv}
 * (fused), {@code q_norm k_norm}, {@code gate up down} (+{@code _bias}; ungated MLPs have {@code up}/{@code down}
 * only), {@code gate_up} (fused), {@code router}, {@code shared_gate shared_up shared_down shared_expert_gate}.
 * Every role kind is one of weight, bias, norm, norm_bias, embedding, router.
 */
package dev.wisca.rescale.spec;
