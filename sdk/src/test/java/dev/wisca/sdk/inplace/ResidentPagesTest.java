package dev.wisca.sdk.inplace;

import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wisca.io.Dtype;
import dev.wisca.io.ProcStatus;
import dev.wisca.io.hf.Overwrite;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.sdk.Model;
import dev.wisca.sdk.Wisca;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Memory that does not grow with the model, file-backed pages included: a rescale (out of place, and in
 * place) leaves hardly any of the checkpoint's pages mapped into this process, although it wrote the
 * output from them, read the statistics and digests, and rewrote the changed tensors from them.
 */
class ResidentPagesTest {
    private static final long SLACK = 12L << 20;

    @Test
    void aRescaleLeavesTheCheckpointsPagesOutOfThisProcess(@TempDir Path dir) {
        // A first, small run loads and compiles what the measured ones need (the JDK's and our classes are mapped pages too).
        Path small = Checkpoints.llama(dir.resolve("small"), Dtype.BF16, 64, 2, 1L << 30, 1);
        try (Model model = Wisca.open(small)) {
            model.rescale(RescaleSettings.paper(), dir.resolve("small-out"), Overwrite.NEVER);
            model.applyInPlace(model.plan(RescaleSettings.paper()));
        }
        Path original = Checkpoints.llama(dir.resolve("original"), Dtype.BF16, 1536, 2, 1L << 30, 3);
        long bytes = size(original);
        assertTrue(bytes > 80L << 20, "big enough to tell: " + bytes);
        Path inPlace = Checkpoints.copy(original, dir.resolve("in-place"));
        try (Model model = Wisca.open(original)) {
            long before = ProcStatus.selfRequired(ProcStatus.RSS_FILE);
            model.rescale(RescaleSettings.paper(), dir.resolve("out"), Overwrite.NEVER);
            long grown = ProcStatus.selfRequired(ProcStatus.RSS_FILE) - before;
            assertTrue(grown < SLACK, "out of place: " + grown + " bytes of mapped pages stayed resident (checkpoint " + bytes + ")");
        }
        try (Model model = Wisca.open(inPlace)) {
            long before = ProcStatus.selfRequired(ProcStatus.RSS_FILE);
            model.applyInPlace(model.plan(RescaleSettings.paper()));
            long grown = ProcStatus.selfRequired(ProcStatus.RSS_FILE) - before;
            assertTrue(grown < SLACK, "in place: " + grown + " bytes of mapped pages stayed resident (checkpoint " + bytes + ")");
        }
    }

    private static long size(Path folder) {
        try (var files = Files.list(folder)) {
            return files.filter(f -> f.toString().endsWith(".safetensors")).mapToLong(f -> f.toFile().length()).sum();
        } catch (IOException e) {
            throw new AssertionError(e);
        }
    }

}
