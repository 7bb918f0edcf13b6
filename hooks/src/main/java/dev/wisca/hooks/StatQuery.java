package dev.wisca.hooks;

import dev.wisca.rescale.graph.Axis;

/**
 * One statistic the engine needs from a {@link ParameterStore}: per index along {@code axis} of
 * {@code tensor} (of the matrix {@code tensor[batch]} when {@code batch >= 0}; a 1-D tensor has
 * rows only), reduced over the other axis.
 */
public record StatQuery(String tensor, int batch, Axis axis, boolean offsetGain) {}
