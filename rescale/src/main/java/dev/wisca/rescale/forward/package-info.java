/**
 * Reference forward pass of the supported causal-LM families, for equivalence checks.
 *
 * <p>Build a {@link dev.wisca.rescale.forward.ModelSource} (tensors + spec binding + optional PEFT LoRA
 * adapter), open a {@link dev.wisca.rescale.forward.ForwardModel} on it — {@code DjlForward} (DJL PyTorch,
 * float64 or float32, CPU or GPU) or {@link dev.wisca.rescale.forward.ReferenceForward} (plain Java doubles,
 * tiny models, the independent check) — and feed it {@link dev.wisca.rescale.forward.ProbeInputs} tokens to
 * get {@link dev.wisca.rescale.forward.Logits}. Per-family facts the architecture specs do not carry
 * (which norm feeds which branch, eps/activation/RoPE/softcap config keys, MoE routing) live in
 * {@code resources/dev/wisca/rescale/forward/<model_type>.json} ({@link dev.wisca.rescale.forward.FamilyRules}).
 */
package dev.wisca.rescale.forward;
