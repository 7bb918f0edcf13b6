/**
 * Dtype codecs: exact scalar conversions per float format ({@link dev.wisca.io.codec.Float16},
 * {@link dev.wisca.io.codec.BFloat16}, the FP8/FP6/FP4 formats) built on one rounding core,
 * {@link dev.wisca.io.codec.FloatFormat}, and per-dtype bulk element access over little-endian
 * memory segments ({@link dev.wisca.io.codec.ElementCodec}, obtained from {@link dev.wisca.io.codec.Codecs}).
 * This package is the one place that knows how a dtype's bits map to values.
 */
package dev.wisca.io.codec;
