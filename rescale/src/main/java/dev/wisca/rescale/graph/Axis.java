package dev.wisca.rescale.graph;

/**
 * Which storage axis of a matrix a member scales. For 1-D tensors (biases, norm gains) use
 * {@link #ROWS}: the vector's elements. For 3-D tensors (fused MoE experts [E, a, b]) the axis is
 * that of the matrix {@code tensor[batch]}.
 */
public enum Axis { ROWS, COLS }
