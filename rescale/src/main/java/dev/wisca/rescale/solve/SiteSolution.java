package dev.wisca.rescale.solve;

import dev.wisca.rescale.graph.Site;

/** The scale of every channel of a site, and how it was chosen. */
public record SiteSolution(Site site, double[] scales, SiteReport report) {
    public SiteSolution {
        if (scales.length != site.channels()) throw new IllegalArgumentException(site.id() + ": one scale per channel expected");
        scales = scales.clone();
    }

    @Override
    public double[] scales() { return scales.clone(); }

    public double scale(int channel) { return scales[channel]; }
}
