package dev.wisca.hooks.watch;

import dev.wisca.io.inplace.InPlaceNames;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The watcher's default: the checkpoint rewritten in place through the sdk's {@code Model.applyInPlace}
 * (only the changed tensors' bytes; no staging folder, no second copy of the shards), with the same
 * weights as a one-shot out-of-place rescale; a watcher stopped after the rewrite but before its marker
 * finds the stamp next time and marks the checkpoint done instead of rescaling it twice.
 */
class InPlaceWatchTest {
    static final WatchOptions DEFAULTS = WatchOptions.defaults().withParallelism(1).withPoll(Duration.ofMillis(10));

    @Test
    void theDefaultRewritesInPlaceLikeAnOutOfPlaceRescale(@TempDir Path dir) throws Exception {
        Path pristine = TrainerFolder.writeComplete(dir.resolve("pristine"), 10);
        Path expected = dir.resolve("expected");
        TrainerFolder.oneShot(pristine, expected, DEFAULTS);
        Path root = Files.createDirectories(dir.resolve("run"));
        Path checkpoint = copy(pristine, root.resolve("checkpoint-10"));
        List<Outcome> outcomes = new CheckpointWatcher(root, DEFAULTS).once();
        assertEquals(Outcome.Status.RESCALED, outcomes.getFirst().status(), outcomes.toString());
        assertEquals(List.of(), TrainerFolder.differences(expected, checkpoint), "weights");
        assertEquals(List.of(), TrainerFolder.differences(pristine.resolve("optimizer.safetensors"), checkpoint.resolve("optimizer.safetensors")),
            "moments untouched without --optimizer-state");
        assertFalse(Files.exists(checkpoint.resolve(Journal.STAGING)), "nothing staged");
        assertFalse(Files.exists(InPlaceNames.journal(checkpoint, "model")));
        assertTrue(Files.isRegularFile(checkpoint.resolve(Journal.MARKER)));
    }

    @Test
    void stoppedBeforeTheMarkerIsMarkedNotRescaledTwice(@TempDir Path dir) throws Exception {
        Path pristine = TrainerFolder.writeComplete(dir.resolve("pristine"), 20);
        Path expected = dir.resolve("expected");
        TrainerFolder.oneShot(pristine, expected, DEFAULTS);
        Path root = Files.createDirectories(dir.resolve("run"));
        Path checkpoint = copy(pristine, root.resolve("checkpoint-20"));
        CheckpointWatcher killed = new CheckpointWatcher(root, DEFAULTS, at -> {
            if (at.equals("rewritten")) throw new IllegalStateException("killed");
        });
        assertThrows(IllegalStateException.class, killed::once);
        assertFalse(Files.exists(checkpoint.resolve(Journal.MARKER)));
        List<Outcome> next = new CheckpointWatcher(root, DEFAULTS).once();
        assertEquals(Outcome.Status.DONE, next.getFirst().status(), next.toString());
        assertEquals(List.of(), TrainerFolder.differences(expected, checkpoint), "rescaled exactly once");
    }

    private static Path copy(Path from, Path to) throws Exception {
        Files.createDirectories(to);
        for (Path f : TrainerFolder.writeOrder(from)) Files.copy(f, to.resolve(f.getFileName()));
        return to;
    }
}
