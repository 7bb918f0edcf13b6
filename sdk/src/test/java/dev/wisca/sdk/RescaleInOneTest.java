package dev.wisca.sdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wisca.io.Dtype;
import dev.wisca.io.WiscaException;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.io.hf.Overwrite;
import dev.wisca.rescale.Progress;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.rescale.apply.Apply;
import dev.wisca.rescale.graph.Site;
import dev.wisca.rescale.plan.AppliedStamp;
import dev.wisca.rescale.plan.Plan;
import dev.wisca.sdk.bench.BenchCheckpoint;
import dev.wisca.sdk.bench.LlamaShape;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@link Model#rescale}, the plan and apply in one that {@code wisca rescale} runs with the untouched tensors
 * written while the statistics are read: the same plan and the same bytes in every file as {@link Model#plan}
 * then {@link Model#apply}, for a sharded folder and a single file, and a plan that fails (while blocks are
 * written ahead) leaves nothing behind. The checkpoints are large enough (tens of MB) for whole 4 MiB blocks.
 */
class RescaleInOneTest {
    @TempDir Path dir;
    private static final RescaleSettings SETTINGS = RescaleSettings.paper().withParallelism(2);

    @Test
    void aShardedFolderComesOutByteForByteAsPlanThenApply() throws IOException {
        Path in = BenchCheckpoint.write(LlamaShape.forSize(48L << 20, Dtype.BF16), dir.resolve("in"), 20L << 20, 3, Progress.NONE);
        assertTrue(Files.exists(in.resolve("model.safetensors.index.json")), "sharded");
        assertSameOutput(in);
    }

    @Test
    void aSingleFileComesOutByteForByteAsPlanThenApply() throws IOException {
        Path in = BenchCheckpoint.write(LlamaShape.forSize(40L << 20, Dtype.F32), dir.resolve("in"), Long.MAX_VALUE, 4, Progress.NONE);
        assertSameOutput(in.resolve("model.safetensors"));
    }

    @Test
    void aPlanThatFailsLeavesNoFileAndWritesAheadNoMore() throws IOException {
        Path in = BenchCheckpoint.write(LlamaShape.forSize(40L << 20, Dtype.BF16), dir.resolve("in"), 16L << 20, 5, Progress.NONE);
        Path out = dir.resolve("out");
        try (Model model = Wisca.open(in)) {
            Checkpoint checkpoint = ModelInternals.checkpoint(model);
            List<Site> sites = ModelInternals.sites(model, SETTINGS.sites()).sites();
            Set<String> siteTensors = new HashSet<>();
            sites.forEach(s -> s.members().forEach(m -> siteTensors.add(m.tensor())));
            String provisional = AppliedStamp.provisional(sites, SETTINGS.solver(), n -> checkpoint.tensor(n).dtype());
            WiscaException failure = WiscaException.invalidArgument("the planner gave up");
            long[] aheadBytes = new long[1];
            WiscaException thrown = assertThrows(WiscaException.class, () -> Apply.planAndRun(checkpoint, siteTensors, provisional, () -> {
                sleep();  // the head start writes meanwhile: from the last shard's end on, so its temp file has its length
                aheadBytes[0] = temps(out).stream().mapToLong(RescaleInOneTest::size).max().orElse(0);
                throw failure;
            }, out, SETTINGS));
            assertSame(failure, thrown);
            assertTrue(aheadBytes[0] > 4 << 20, "a temp file of " + aheadBytes[0] + " bytes while the plan was made");
        }
        try (Stream<Path> left = Files.list(out)) {
            assertEquals(List.of(), left.toList(), "no temp file, no shard");
        }
    }

    private void assertSameOutput(Path in) throws IOException {
        Path twoSteps = dir.resolve("two-steps");
        Path inOne = dir.resolve("in-one");
        RescalePlan planned;
        RescalePlan rescaled;
        try (Model model = Wisca.open(in)) {
            planned = model.plan(SETTINGS);
            model.apply(planned, twoSteps);
        }
        try (Model model = Wisca.open(in)) {
            rescaled = model.rescale(SETTINGS, inOne, Overwrite.NEVER);
        }
        assertEquals(planned.hash(), rescaled.hash());
        assertFalse(planned.tensors().isEmpty());
        if (Files.isDirectory(twoSteps)) {
            List<String> names = names(twoSteps);
            assertEquals(names, names(inOne), "the same files, no temp file left");
            for (String name : names) {
                assertArrayEquals(Files.readAllBytes(twoSteps.resolve(name)), Files.readAllBytes(inOne.resolve(name)), name);
            }
        } else {
            assertArrayEquals(Files.readAllBytes(twoSteps), Files.readAllBytes(inOne));
            assertEquals(List.of("in", "in-one", "two-steps"), names(dir), "no temp file left");
        }
        // The stamp the head start was laid out with has the final stamp's length (its layout was kept).
        try (Model model = Wisca.open(in)) {
            Checkpoint checkpoint = ModelInternals.checkpoint(model);
            String provisional = AppliedStamp.provisional(ModelInternals.sites(model, SETTINGS.sites()).sites(), SETTINGS.solver(),
                n -> checkpoint.tensor(n).dtype());
            Plan engine = planned.engine();
            assertEquals(AppliedStamp.of(engine).length(), provisional.length(), provisional + " vs " + AppliedStamp.of(engine));
        }
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }

    private static List<Path> temps(Path folder) {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> p.getFileName().toString().contains(".tmp-")).toList();
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static long size(Path file) {
        try {
            return Files.size(file);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    private static void sleep() {
        try {
            Thread.sleep(200);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
