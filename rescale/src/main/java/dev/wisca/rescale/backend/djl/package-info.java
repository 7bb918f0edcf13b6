/**
 * The DJL PyTorch backend: statistics and scaling as tensor operations on the CPU or a GPU. The only
 * package of the engine that uses DJL; it is reached through {@link dev.wisca.rescale.backend.Backends}.
 */
package dev.wisca.rescale.backend.djl;
