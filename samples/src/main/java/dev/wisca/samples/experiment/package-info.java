/**
 * "Does WISCA help?": a reproducible miniature of the paper's experiments, run with wisca's own DJL
 * hook ({@code bin/experiment}, see EXPERIMENTS.md). A tiny llama-style decoder in DJL
 * ({@link dev.wisca.samples.experiment.TinyLlama}) is pre-trained on the Debian {@code fortunes}
 * text in several arms (baseline, WISCA every 250 steps, once at init, kv-group, + up/down), each
 * with the same seeds, initialization and data order, and LoRA-fine-tuned with and without WISCA on
 * the adapters; curves, rescale events, a summary table, an SVG plot and Hugging Face checkpoints
 * come out.
 */
package dev.wisca.samples.experiment;
