/**
 * Reference forward pass of the supported causal-LM families, for equivalence checks.
 *
 * <p>Build a {@link dev.wisca.rescale.forward.ModelSource} (tensors + spec binding + optional PEFT LoRA
 * adapter), open a {@link dev.wisca.rescale.forward.ForwardModel} on it — {@code DjlForward} (DJL PyTorch,
 * float64 or float32, CPU or GPU) or {@link dev.wisca.rescale.forward.ReferenceForward} (plain Java doubles,
 * tiny models, the independent check) — and feed it {@link dev.wisca.rescale.forward.ProbeInputs} tokens to
 * get {@link dev.wisca.rescale.forward.Logits}. The per-family forward facts (which norm feeds which
 * branch, eps/activation/RoPE/softcap config keys, MoE routing) are the {@code forward} section of the
 * family's spec file ({@link dev.wisca.rescale.spec.ForwardRules}).
 */
package dev.wisca.rescale.forward;
