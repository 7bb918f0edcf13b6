package dev.wisca.cli;

import dev.wisca.sdk.SampleCheckpoints;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Each of these once overwrote its input. Now each exits 2 with OutputOverlapsInput on one line,
 * before anything is written: the whole work folder is byte for byte what it was.
 */
class OutputOverlapTest {
    @TempDir Path dir;
    Path in;

    @BeforeEach
    void checkpoint() {
        in = SampleCheckpoints.write("llama", dir.resolve("in"), 5);
    }

    private void assertRefusedUnchanged(String... args) {
        Map<String, String> before = FileTrees.snapshot(dir);
        Cli r = Cli.run(args);
        assertEquals(2, r.exitCode(), r.out() + r.err());
        assertTrue(r.err().startsWith("wisca: OutputOverlapsInput: "), r.err());
        assertEquals(1, r.err().lines().count(), r.err());
        assertEquals(before, FileTrees.snapshot(dir), "nothing written, nothing changed");
    }

    @Test
    void rescaleOntoItsInputThroughASymlink() throws Exception {
        Path link = Files.createSymbolicLink(dir.resolve("link"), in);
        assertRefusedUnchanged("rescale", in.toString(), link.toString(), "--force");
    }

    @Test
    void reshardOntoItself() {
        assertRefusedUnchanged("reshard", in.toString(), in.toString(), "--force");
        assertRefusedUnchanged("reshard", in.toString(), in.resolve("sub").toString());
    }

    @Test
    void aSingleFileRescaledIntoItsOwnFolder() {
        assertRefusedUnchanged("rescale", in.resolve("model.safetensors").toString(), in.toString(), "--force");
    }

    @Test
    void undoIntoItsInput() {
        Path out = dir.resolve("out");
        Path plan = dir.resolve("plan");
        assertEquals(0, Cli.run("rescale", in.toString(), out.toString(), "--save-plan", plan.toString()).exitCode());
        assertRefusedUnchanged("undo", out.toString(), plan.toString(), out.toString(), "--force");
        assertRefusedUnchanged("undo", out.toString(), plan.toString(), plan.toString(), "--force");
    }

    @Test
    void reportHtmlOntoAWeightFile() {
        Path out = dir.resolve("out");
        assertEquals(0, Cli.run("rescale", in.toString(), out.toString()).exitCode());
        assertRefusedUnchanged("report", in.toString(), out.toString(), "--html", out.resolve("model.safetensors").toString(), "--no-verify", "--force");
    }

    @Test
    void optimizerStateOntoItsSource() throws Exception {
        // --optimizer-state writes OUT/optimizer.safetensors: OUT = IN would write it onto its source
        Files.copy(in.resolve("model.safetensors"), in.resolve("optimizer.safetensors"));
        assertRefusedUnchanged("rescale", in.toString(), in.toString(), "--optimizer-state", "--force");
    }

    @Test
    void planIntoTheCheckpointFolder() {
        assertRefusedUnchanged("plan", in.toString(), in.toString(), "--force");
        assertRefusedUnchanged("rescale", in.toString(), "--plan-only", in.resolve("plan").toString());
    }
}
