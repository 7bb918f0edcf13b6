package dev.wisca.cli;

import dev.wisca.io.hf.Checkpoint;
import dev.wisca.io.TensorInfo;
import dev.wisca.sdk.SampleCheckpoints;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code wisca rescale --in-place CKPT --save-plan PLAN} rewrites CKPT to the same tensors as
 * {@code wisca rescale CKPT OUT --apply PLAN}; {@code wisca undo --in-place CKPT PLAN} accepts it (stamp)
 * and brings it back; wrong combinations are one-line refusals with exit 2.
 */
class InPlaceCommandTest {
    @Test
    void rescaleAndUndoInPlace(@TempDir Path dir) {
        Path original = SampleCheckpoints.write("llama", dir.resolve("original"), 5);
        Path ckpt = SampleCheckpoints.write("llama", dir.resolve("ckpt"), 5);
        Path plan = dir.resolve("plan");
        Cli r = Cli.run("rescale", "--in-place", ckpt.toString(), "--save-plan", plan.toString());
        assertEquals(0, r.exitCode(), r.err());
        assertTrue(r.out().contains("in place"), r.out());
        Cli oop = Cli.run("rescale", original.toString(), dir.resolve("out").toString(), "--apply", plan.toString());
        assertEquals(0, oop.exitCode(), oop.err());
        assertTrue(sameTensors(ckpt, dir.resolve("out")), "in place == out of place");
        assertFalse(sameTensors(ckpt, original));

        Cli undo = Cli.run("undo", "--in-place", ckpt.toString(), plan.toString());
        assertEquals(0, undo.exitCode(), undo.err());
        Cli again = Cli.run("undo", "--in-place", ckpt.toString(), plan.toString());
        assertEquals(2, again.exitCode(), "an undo output is not undone twice");
        assertTrue(again.err().contains("PlanMismatch"), again.err());
    }

    @Test
    void wrongCombinationsAreRefused(@TempDir Path dir) {
        Path ckpt = SampleCheckpoints.write("llama", dir.resolve("ckpt"), 5);
        Cli withOut = Cli.run("rescale", "--in-place", ckpt.toString(), dir.resolve("out").toString());
        assertEquals(2, withOut.exitCode());
        assertTrue(withOut.err().contains("InvalidArgument"), withOut.err());
        Cli planOnly = Cli.run("rescale", "--in-place", ckpt.toString(), "--plan-only", dir.resolve("p").toString());
        assertEquals(2, planOnly.exitCode());
        Cli undoNoOut = Cli.run("undo", ckpt.toString(), dir.resolve("p").toString());
        assertEquals(2, undoNoOut.exitCode());
    }

    private static boolean sameTensors(Path a, Path b) {
        try (Checkpoint x = Checkpoint.open(a); Checkpoint y = Checkpoint.open(b)) {
            for (TensorInfo t : x.tensors()) {
                if (!Arrays.equals(x.tensor(t.name()).data().toArray(ValueLayout.JAVA_BYTE), y.tensor(t.name()).data().toArray(ValueLayout.JAVA_BYTE))) return false;
            }
            return true;
        }
    }
}
