/**
 * The DJL adapter of the hook API: {@link dev.wisca.hooks.djl.WiscaTrainingListener} rescales a DJL
 * model during training ({@code DefaultTrainingConfig.addTrainingListeners(listener)}) through
 * {@link dev.wisca.hooks.djl.DjlParameterStore}, which measures and scales the block's parameters
 * with NDArray operations on their own device and keeps the optimizer state consistent.
 */
package dev.wisca.hooks.djl;
