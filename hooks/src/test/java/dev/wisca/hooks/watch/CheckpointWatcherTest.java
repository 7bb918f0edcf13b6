package dev.wisca.hooks.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wisca.hooks.watch.Outcome.Status;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.rescale.Progress;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.rescale.solve.Pow2Mode;
import dev.wisca.sdk.Model;
import dev.wisca.sdk.RescalePlan;
import dev.wisca.sdk.Wisca;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CheckpointWatcherTest {
    @TempDir Path dir;

    static final WatchOptions OPTIONS = WatchOptions.defaults().withOptimizerState(true).withParallelism(2).withPoll(Duration.ofMillis(20));

    /** A pristine checkpoint of step {@code step} and its one-shot rescale, for comparison. */
    private Path[] reference(long step) throws IOException {
        Path pristine = TrainerFolder.writeComplete(dir.resolve("pristine-" + step), step);
        Path expected = dir.resolve("expected-" + step);
        TrainerFolder.oneShot(pristine, expected, OPTIONS);
        return new Path[] {pristine, expected};
    }

    private static void copyAll(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        for (Path f : TrainerFolder.writeOrder(from)) Files.copy(f, to.resolve(f.getFileName()), StandardCopyOption.REPLACE_EXISTING);
    }

    private static void assertRescaledLike(Path expected, Path actual) {
        assertEquals(List.of(), TrainerFolder.differences(expected, actual), "weights");
        assertEquals(List.of(), TrainerFolder.differences(expected.resolve("optimizer.safetensors"), actual.resolve("optimizer.safetensors")), "moments");
        assertFalse(Files.exists(actual.resolve(Journal.JOURNAL)));
        assertFalse(Files.exists(actual.resolve(Journal.STAGING)));
        assertTrue(Files.isRegularFile(actual.resolve(Journal.MARKER)));
    }

    @Test
    void checkpointsAppearingWhileRunningAreRescaledOnceLikeAOneShotRescale() throws Exception {
        Path root = Files.createDirectories(dir.resolve("run"));
        Path[] ten = reference(10), twenty = reference(20);
        assertFalse(TrainerFolder.differences(ten[0], ten[1]).isEmpty(), "the rescale must change the weights");
        CheckpointWatcher watcher = new CheckpointWatcher(root, OPTIONS);
        List<Outcome> log = new CopyOnWriteArrayList<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread thread = Thread.ofPlatform().start(() -> {
            try {
                watcher.run(stop::get, log::add);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        copyAll(ten[0], root.resolve("checkpoint-10"));
        awaitMarker(root.resolve("checkpoint-10"));
        copyAll(twenty[0], root.resolve("checkpoint-20"));
        awaitMarker(root.resolve("checkpoint-20"));
        Thread.sleep(100); // a few more looks: nothing may be processed again
        stop.set(true);
        thread.join();
        assertRescaledLike(ten[1], root.resolve("checkpoint-10"));
        assertRescaledLike(twenty[1], root.resolve("checkpoint-20"));
        assertEquals(2, log.stream().filter(o -> o.status() == Status.RESCALED).count(), log.toString());
        assertTrue(log.stream().noneMatch(o -> o.status() == Status.FAILED), log.toString());
    }

    private static void awaitMarker(Path folder) throws InterruptedException {
        for (int i = 0; i < 3000 && !Files.exists(folder.resolve(Journal.MARKER)); i++) Thread.sleep(10);
        assertTrue(Files.exists(folder.resolve(Journal.MARKER)), "not rescaled: " + folder);
    }

    @Test
    void aSlowlyWrittenCheckpointIsRescaledOnlyWhenCompleteAndSettled() throws Exception {
        Path root = Files.createDirectories(dir.resolve("run"));
        Path[] ref = reference(30);
        Path target = Files.createDirectories(root.resolve("checkpoint-30"));
        CheckpointWatcher watcher = new CheckpointWatcher(root, OPTIONS);
        for (Path f : TrainerFolder.writeOrder(ref[0])) {
            assertEquals(Status.INCOMPLETE, watcher.poll().getFirst().status(), "before " + f.getFileName());
            Files.copy(f, target.resolve(f.getFileName()));
        }
        assertEquals(Status.SETTLING, watcher.poll().getFirst().status(), "first complete look");
        Files.writeString(target.resolve("training_args.bin"), " still growing", StandardOpenOption.APPEND);
        assertEquals(Status.SETTLING, watcher.poll().getFirst().status(), "a file grew");
        Files.writeString(target.resolve("training_args.bin"), "not really a pickle");
        assertEquals(Status.SETTLING, watcher.poll().getFirst().status());
        assertEquals(Status.RESCALED, watcher.poll().getFirst().status());
        assertEquals(Status.DONE, watcher.poll().getFirst().status());
        assertRescaledLike(ref[1], target);
    }

    /** The plan of an in-place rescale is kept (its path in the marker): wisca undo with it gives back the trainer's bytes. */
    @Test
    void anInPlaceRescaleSavesItsPlanAndUndoWithItRestoresTheOriginals() throws Exception {
        RescaleSettings exact = OPTIONS.settings().withSolver(OPTIONS.settings().solver().withPow2(Pow2Mode.ON));
        Path root = Files.createDirectories(dir.resolve("run"));
        Path pristine = TrainerFolder.writeComplete(dir.resolve("pristine-60"), 60);
        Path target = root.resolve("checkpoint-60");
        copyAll(pristine, target);
        CheckpointWatcher watcher = new CheckpointWatcher(root, OPTIONS.withSettings(exact));
        watcher.poll();
        assertEquals(Status.RESCALED, watcher.poll().getFirst().status());
        assertFalse(TrainerFolder.differences(pristine, target).isEmpty(), "rescaled in place");
        Journal.Marker marker = Journal.marker(target).orElseThrow();
        assertEquals(target.resolve(Journal.PLAN).toString(), marker.plan());
        Path undone = dir.resolve("undone");
        try (Model model = Wisca.open(target)) {
            model.undo(RescalePlan.load(Path.of(marker.plan())).withSettings(exact), undone);
        }
        assertEquals(List.of(), TrainerFolder.differences(pristine, undone), "power-of-two scales undo bit for bit");
    }

    @Test
    void aWatcherKilledWhileSwappingIsFinishedByTheNextOne() throws Exception {
        for (int kill = 0; kill < 3; kill++) {
            Path root = Files.createDirectories(dir.resolve("run-" + kill));
            Path[] ref = reference(40);
            Path target = root.resolve("checkpoint-40");
            copyAll(ref[0], target);
            List<String> shards = shards(target);
            assertTrue(shards.size() >= 3, "fixture is sharded: " + shards);
            String point = kill == 0 ? "swapping" : "swapped:" + shards.get(kill - 1);
            CheckpointWatcher killed = new CheckpointWatcher(root, OPTIONS, at -> {
                if (at.equals(point)) throw new Killed();
            });
            killed.poll();
            assertThrows(Killed.class, killed::poll);
            assertTrue(Files.exists(target.resolve(Journal.JOURNAL)), point);
            CheckpointWatcher next = new CheckpointWatcher(root, OPTIONS);
            assertEquals(Status.RESUMED, next.poll().getFirst().status(), point);
            assertEquals(Status.DONE, next.poll().getFirst().status(), point);
            assertRescaledLike(ref[1], target);
            assertEquals(target.resolve(Journal.PLAN).toString(), Journal.marker(target).orElseThrow().plan(), "saved before swapping");
            CheckpointRescaler.deleteTree(dir.resolve("pristine-40"));
            CheckpointRescaler.deleteTree(dir.resolve("expected-40"));
        }
    }

    @Test
    void aWatcherKilledWhileStagingLeavesTheOriginalsAndTheNextStartsOver() throws Exception {
        Path root = Files.createDirectories(dir.resolve("run"));
        Path[] ref = reference(50);
        Path target = root.resolve("checkpoint-50");
        copyAll(ref[0], target);
        String second = "staged:" + shards(target).get(1);
        CheckpointWatcher killed = new CheckpointWatcher(root, OPTIONS, at -> {
            if (at.equals(second)) throw new Killed();
        });
        killed.poll();
        assertThrows(Killed.class, killed::poll);
        assertEquals(List.of(), TrainerFolder.differences(ref[0], target), "originals untouched while staging");
        CheckpointWatcher next = new CheckpointWatcher(root, OPTIONS);
        assertEquals(Status.SETTLING, next.poll().getFirst().status());
        assertEquals(Status.RESCALED, next.poll().getFirst().status());
        assertRescaledLike(ref[1], target);
    }

    @Test
    void outOfPlaceWritesASiblingAndNeverProcessesTwice() throws Exception {
        Path root = Files.createDirectories(dir.resolve("run"));
        Path[] ref = reference(60);
        Path source = root.resolve("checkpoint-60");
        copyAll(ref[0], source);
        WatchOptions options = OPTIONS.withOutOfPlace("-wisca");
        CheckpointWatcher watcher = new CheckpointWatcher(root, options, at -> {});
        List<Outcome> outcomes = watcher.once();
        assertEquals(1, outcomes.size(), "the sibling is not a checkpoint to watch");
        assertEquals(Status.RESCALED, outcomes.getFirst().status());
        Path sibling = root.resolve("checkpoint-60-wisca");
        assertEquals(List.of(), TrainerFolder.differences(ref[1], sibling));
        assertEquals(List.of(), TrainerFolder.differences(ref[1].resolve("optimizer.safetensors"), sibling.resolve("optimizer.safetensors")));
        assertTrue(Files.isRegularFile(sibling.resolve(Completeness.TRAINER_STATE)), "side files copied");
        assertEquals(List.of(), TrainerFolder.differences(ref[0], source), "source weights untouched");
        assertEquals(Status.DONE, new CheckpointWatcher(root, options).once().getFirst().status());
    }

    /** Each phase: name, total bytes, bytes advanced. */
    static final class PhaseLog implements Progress {
        record Phase(String name, long totalBytes, AtomicLong advanced) {}

        final List<Phase> phases = new CopyOnWriteArrayList<>();

        @Override public void start(String phase, long totalBytes, int totalTensors) { phases.add(new Phase(phase, totalBytes, new AtomicLong())); }

        @Override public void advance(long bytes, int tensors) { phases.getLast().advanced().addAndGet(bytes); }

        @Override public void finish() {}
    }

    @Test
    void everyCheckpointReportsItsStatisticsAndWritePasses() throws Exception {
        Path root = Files.createDirectories(dir.resolve("run"));
        Path[] ref = reference(70);
        copyAll(ref[0], root.resolve("checkpoint-70"));
        PhaseLog log = new PhaseLog();
        assertEquals(Status.RESCALED, new CheckpointWatcher(root, OPTIONS.withProgress(log)).once().getFirst().status());
        long weightBytes, momentBytes;
        int shards;
        try (Checkpoint weights = Checkpoint.open(ref[0]); Checkpoint moments = Checkpoint.open(ref[0].resolve("optimizer.safetensors"))) {
            weightBytes = weights.tensors().stream().mapToLong(t -> t.byteLength()).sum();
            momentBytes = moments.tensors().stream().mapToLong(t -> t.byteLength()).sum();
            shards = weights.shards().size();
        }
        assertTrue(shards > 1, "a sharded checkpoint");
        List<String> names = log.phases.stream().map(PhaseLog.Phase::name).toList();
        assertTrue(names.getFirst().startsWith("stats"), names.toString());
        List<PhaseLog.Phase> writes = log.phases.stream().filter(p -> p.name().equals("write")).toList();
        assertEquals(shards + 1, writes.size(), "every shard and the optimizer state: " + log.phases);
        assertEquals(weightBytes, writes.subList(0, shards).stream().mapToLong(PhaseLog.Phase::totalBytes).sum());
        assertEquals(momentBytes, writes.get(shards).totalBytes());
        for (PhaseLog.Phase p : log.phases) assertEquals(p.totalBytes(), p.advanced().get(), p.name());
    }

    @Test
    void aCheckpointRescaledByOtherMeansIsRecognisedByItsMetadata() throws Exception {
        Path root = Files.createDirectories(dir.resolve("run"));
        Path[] ref = reference(70);
        copyAll(ref[1], root.resolve("checkpoint-70"));
        assertTrue(Files.isRegularFile(root.resolve("checkpoint-70").resolve(Completeness.TRAINER_STATE)));
        List<Outcome> outcomes = new CheckpointWatcher(root, OPTIONS).once();
        assertEquals(Status.DONE, outcomes.getFirst().status(), outcomes.toString());
        assertEquals(List.of(), TrainerFolder.differences(ref[1], root.resolve("checkpoint-70")));
    }

    private static List<String> shards(Path folder) throws IOException {
        try (var files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("model-")).sorted().toList();
        }
    }

    private static final class Killed extends RuntimeException {
        private static final long serialVersionUID = 1L;
    }
}
