package dev.wisca.samples;

import dev.wisca.io.hf.Checkpoint;
import dev.wisca.rescale.RescaleOptions;
import dev.wisca.rescale.Rescaler;
import dev.wisca.rescale.graph.SiteOptions;
import dev.wisca.rescale.graph.SiteSet;
import dev.wisca.rescale.graph.SymmetryGraph;
import dev.wisca.rescale.plan.Plan;
import dev.wisca.rescale.spec.ArchSpec;
import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.rescale.synth.TinyModelFiles;
import dev.wisca.rescale.synth.TinyModels;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Rescale between two training stages, offline: the checkpoint saved at the end of stage 1 is
 * balanced (Q/K and V/O, tensor-wise, as in the paper) and written where stage 2 resumes from.
 * Usage: {@code OfflineStageRescale [IN OUT]}; without arguments a tiny Llama is generated.
 */
public final class OfflineStageRescale {
    private OfflineStageRescale() {}

    public static void main(String[] args) throws Exception {
        Path in, out;
        if (args.length == 2) {
            in = Path.of(args[0]);
            out = Path.of(args[1]);
        } else {
            Path tmp = Files.createTempDirectory("wisca-stages");
            in = TinyModelFiles.write(TinyModels.build(SpecLibrary.builtin().get("llama").orElseThrow(), "default", 1), tmp.resolve("stage1"));
            out = tmp.resolve("stage2-start");
        }
        RescaleOptions options = RescaleOptions.defaults();
        try (Checkpoint ckpt = Checkpoint.open(in)) {
            var config = ckpt.configJson().orElseThrow();
            ArchSpec spec = SpecLibrary.builtin().detect(config, ckpt.tensors());
            SiteSet sites = SymmetryGraph.build(spec, config, ckpt.tensors(), SiteOptions.paper());
            Plan plan = Rescaler.plan(ckpt, sites.sites(), options);
            Rescaler.apply(ckpt, plan, out, options);
            plan.reports().forEach(r -> System.out.printf("%-22s scale %.4f  imbalance %.3f -> %.3f%n",
                r.id(), r.geoMeanScale(), r.imbalanceBefore(), r.imbalanceAfter()));
            System.out.println("stage 2 starts from " + out + " (plan " + plan.hash() + ")");
        }
    }
}
