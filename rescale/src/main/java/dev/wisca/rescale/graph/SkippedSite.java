package dev.wisca.rescale.graph;

/** A site that was asked for but is not applied, with the reason shown to the user. */
public record SkippedSite(String id, Pair pair, int layer, String reason) {}
