package dev.wisca.samples;

import dev.wisca.rescale.verify.VerifyReport;
import dev.wisca.sdk.Model;
import dev.wisca.sdk.RescalePlan;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.sdk.SampleCheckpoints;
import dev.wisca.sdk.Wisca;

import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Rescale between two training stages, offline, with the SDK: the checkpoint saved at the end of
 * stage 1 is balanced (Q/K and V/O, tensor-wise, L1, as in the paper), verified, and written where
 * stage 2 resumes from; the plan is kept so the step can be undone.
 * Usage: {@code OfflineStageRescale [IN OUT]}; without arguments a tiny GQA Llama is generated.
 */
public final class OfflineStageRescale {
    private OfflineStageRescale() {}

    public static void main(String[] args) throws Exception {
        Path in;
        Path out;
        if (args.length == 2) {
            in = Path.of(args[0]);
            out = Path.of(args[1]);
        } else {
            Path tmp = Files.createTempDirectory("wisca-stages");
            in = SampleCheckpoints.write("llama", tmp.resolve("stage1"), 1);
            out = tmp.resolve("stage2-start");
        }
        RescaleSettings settings = RescaleSettings.paper();
        try (Model model = Wisca.open(in)) {
            RescalePlan plan = model.plan(settings);
            model.apply(plan, out);
            plan.save(out.resolveSibling(out.getFileName() + "-plan"));
            plan.reports().forEach(r -> System.out.printf("%-22s scale %.4f  imbalance %.3f -> %.3f%n",
                r.id(), r.geoMeanScale(), r.imbalanceBefore(), r.imbalanceAfter()));
        }
        VerifyReport check = Wisca.verify(in, out).probes().run();
        System.out.println(check.summary());
        if (check.exitCode() != 0) throw new IllegalStateException("rescaled checkpoint is not equivalent");
        System.out.println("stage 2 starts from " + out);
    }
}
