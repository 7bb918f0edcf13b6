package dev.wisca.sdk;

import dev.wisca.io.hf.Checkpoint;
import dev.wisca.rescale.graph.SiteOptions;
import dev.wisca.rescale.graph.SiteSet;

/** For tests that build engine plans by hand: a model's checkpoint and sites, which the SDK's API keeps to itself. */
public final class ModelInternals {
    private ModelInternals() {}

    public static Checkpoint checkpoint(Model model) { return model.checkpoint(); }

    public static SiteSet sites(Model model, SiteOptions options) { return model.sites(options); }
}
