package dev.wisca.rescale.backend.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wisca.io.Dtype;
import dev.wisca.io.TensorInfo;
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
import dev.wisca.rescale.fixtures.InMemoryApply;
import dev.wisca.rescale.fixtures.MemorySource;
import dev.wisca.rescale.solve.Pow2Mode;
import dev.wisca.rescale.solve.SolverOptions;
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

    /** Tiles of at most 1000 elements, so every matrix of the tiny models spans several (rows split, ranges cut mid-row). */
    static final DjlBackend SMALL_TILES = DjlBackend.cpu().withMaxTileElements(1000);

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

    /**
     * The DJL backend's tiling: with tiles far smaller than the tensors, statistics are merged across tiles and
     * every tile is scaled with its own slice of the factors; plans and written bytes must still be the CPU
     * backend's (pow2 scales: bit for bit, so a tile seam that dropped, doubled or misaligned a factor shows).
     */
    @ParameterizedTest
    @CsvSource({"llama, default", "mixtral, fused_experts"})
    void smallTilesSplitEveryTensorAndChangeNothing(String family, String example) {
        assertEquals(1000, SMALL_TILES.maxTileElements());
        TinyModel model = TinyModels.build(SpecLibrary.builtin().get(family).orElseThrow(), example, 23);
        MemorySource in = MemorySource.of(model.tensors(), Dtype.BF16);
        SiteOptions everything = new SiteOptions(EnumSet.of(Pair.NORM, Pair.QK, Pair.VO, Pair.UPDOWN), Granularity.CHANNEL);
        List<Site> sites = SiteSets.build(model.spec(), model.config(), in.tensors(), everything).sites();
        SolverOptions pow2 = CPU.solver().withPow2(Pow2Mode.ON);
        Plan cpuPlan = Planner.plan(in, sites, pow2, CPU.backend(), 2);
        Plan tiledPlan = Planner.plan(in, sites, pow2, SMALL_TILES, 2);
        long split = cpuPlan.factors().keySet().stream().filter(t -> in.tensor(t).elementCount() > 3 * SMALL_TILES.maxTileElements()).count();
        assertTrue(split >= 4, "only " + split + " planned tensors span more than three tiles: the test would not exercise tiling");
        cpuPlan.siteScales().forEach((id, scales) -> assertArrayEquals(scales, tiledPlan.siteScales().get(id), id));

        MemorySource cpuOut = InMemoryApply.apply(in, cpuPlan, CPU.backend());
        MemorySource tiledOut = InMemoryApply.apply(in, cpuPlan, SMALL_TILES);
        for (TensorInfo t : in.tensors()) {
            assertEquals(-1L, cpuOut.tensor(t.name()).data().mismatch(tiledOut.tensor(t.name()).data()), t.name());
        }
    }
}
