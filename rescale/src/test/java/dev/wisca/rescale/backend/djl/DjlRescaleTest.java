package dev.wisca.rescale.backend.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wisca.io.hf.Checkpoint;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.rescale.plan.Planner;
import dev.wisca.rescale.apply.Apply;
import dev.wisca.rescale.graph.Granularity;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.graph.Site;
import dev.wisca.rescale.graph.SiteOptions;
import dev.wisca.rescale.graph.SiteSets;
import dev.wisca.rescale.plan.Plan;
import dev.wisca.rescale.solve.Pow2Mode;
import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.rescale.synth.TinyModel;
import dev.wisca.rescale.synth.TinyModelFiles;
import dev.wisca.rescale.synth.TinyModels;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumSet;
import java.util.List;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Whole checkpoints planned and applied through files with the DJL backend against the CPU backend. */
@Tag("slow")
class DjlRescaleTest {
    static final RescaleSettings CPU = RescaleSettings.paper().withParallelism(2);
    /** The DJL PyTorch backend on the CPU, by its device name as a user asks for it. */
    static final RescaleSettings DJL = CPU.withDevice(DjlBackendProvider.DJL_CPU);

    @TempDir Path dir;

    /** llama: plain; gemma: offset norm gains; mixtral fused experts: 3-D tensors with per-expert factors. */
    @ParameterizedTest
    @CsvSource({"llama, default", "gemma, default", "mixtral, fused_experts"})
    void djlPlansAndAppliesLikeTheCpuBackend(String family, String example) throws IOException {
        TinyModel model = TinyModels.build(SpecLibrary.builtin().get(family).orElseThrow(), example, 17);
        Path in = TinyModelFiles.write(model, dir.resolve("in"));
        SiteOptions everything = new SiteOptions(EnumSet.of(Pair.NORM, Pair.QK, Pair.VO, Pair.UPDOWN), Granularity.CHANNEL);
        try (Checkpoint c = Checkpoint.open(in)) {
            List<Site> sites = SiteSets.build(model.spec(), model.config(), c.tensors(), everything).sites();
            Plan cpuPlan = Planner.plan(c, sites, CPU);
            Plan djlPlan = Planner.plan(c, sites, DJL);
            assertEquals(cpuPlan.siteScales().keySet(), djlPlan.siteScales().keySet());
            cpuPlan.siteScales().forEach((id, scales) -> BackendComparison.assertClose(scales, djlPlan.siteScales().get(id), 1e-10, id));

            Apply.run(c, cpuPlan, dir.resolve("cpu"), CPU);
            Apply.run(c, cpuPlan, dir.resolve("djl"), DJL);
            assertSameBytes(dir.resolve("cpu"), dir.resolve("djl"));
            assertTrue(Files.mismatch(in.resolve("model.safetensors"), dir.resolve("djl/model.safetensors")) >= 0, "something changed");

            // with power-of-two scales the plans are identical too, so the whole run is byte for byte
            RescaleSettings cpuPow2 = CPU.withSolver(CPU.solver().withPow2(Pow2Mode.ON));
            RescaleSettings djlPow2 = DJL.withSolver(DJL.solver().withPow2(Pow2Mode.ON));
            Plan cpuPow2Plan = Planner.plan(c, sites, cpuPow2);
            Plan djlPow2Plan = Planner.plan(c, sites, djlPow2);
            cpuPow2Plan.siteScales().forEach((id, scales) -> assertArrayEquals(scales, djlPow2Plan.siteScales().get(id), id));
            Apply.run(c, cpuPow2Plan, dir.resolve("cpu-pow2"), cpuPow2);
            Apply.run(c, djlPow2Plan, dir.resolve("djl-pow2"), djlPow2);
            assertSameBytes(dir.resolve("cpu-pow2"), dir.resolve("djl-pow2"));
        }
    }

    private static void assertSameBytes(Path expected, Path actual) throws IOException {
        try (var files = Files.list(expected)) {
            for (Path f : files.toList()) {
                assertEquals(-1L, Files.mismatch(f, actual.resolve(f.getFileName())), f.getFileName().toString());
            }
        }
    }
}
