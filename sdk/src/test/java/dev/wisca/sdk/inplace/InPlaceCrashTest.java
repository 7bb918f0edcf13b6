package dev.wisca.sdk.inplace;

import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.io.inplace.FaultPoint;
import dev.wisca.io.inplace.InPlaceLock;
import dev.wisca.io.inplace.InPlaceNames;
import dev.wisca.sdk.Model;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.sdk.RescalePlan;
import dev.wisca.sdk.Wisca;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A process rewriting a checkpoint in place is killed (halted at a named fault point, or SIGKILLed at a
 * random instant); the next open, as any wisca command does it, finds the checkpoint bit-identical to the
 * original (every file, byte for byte) or, once the commit record is written, to the out-of-place
 * rescale of the same plan (every tensor byte, the stamps).
 */
class InPlaceCrashTest {
    @TempDir static Path dir;
    static Path original;
    static Path outOfPlace;
    static Path planFolder;
    static Map<String, byte[]> originalFiles;
    static Map<String, byte[]> rescaledTensors;
    static int tensorsChanged;

    @BeforeAll
    static void prepare() {
        original = Checkpoints.llama(dir.resolve("original"), Dtype.BF16, 64, 4, 128 << 10, 3);
        outOfPlace = dir.resolve("out-of-place");
        try (Model model = Wisca.open(original)) {
            RescalePlan plan = model.plan(RescaleSettings.paper());
            model.apply(plan, outOfPlace);
            tensorsChanged = plan.tensors().size();
            planFolder = dir.resolve("plan");
            plan.save(planFolder);
        }
        originalFiles = Checkpoints.files(original);
        rescaledTensors = Checkpoints.tensors(outOfPlace);
    }

    @ParameterizedTest
    @ValueSource(strings = {"journal-written", "tensors:1", "tensors:HALF", "tensors:ALL", "synced:FIRST", "before-commit"})
    void killedBeforeTheCommitRecordIsRolledBack(String point, @TempDir Path tmp) {
        Path ckpt = Checkpoints.copy(original, tmp.resolve("c"));
        String armed = point.replace("HALF", String.valueOf(tensorsChanged / 2)).replace("ALL", String.valueOf(tensorsChanged))
            .replace("FIRST", Checkpoints.shardNames(ckpt).getFirst());
        assertEquals(FaultPoint.HALT_STATUS, Checkpoints.run(armed, "apply", ckpt.toString(), planFolder.toString()), "halted at " + armed);
        assertTrue(Files.exists(InPlaceNames.journal(ckpt, "model")), "the journal is left behind");
        assertTrue(Checkpoints.same(originalFiles, Checkpoints.files(ckptAfterOpen(ckpt))), "bit-identical to the original after " + armed);
        assertFalse(Files.exists(InPlaceNames.journal(ckpt, "model")), "recovered: the journal is gone");
    }

    @ParameterizedTest
    @ValueSource(strings = {"committed", "cleanup", "cleaned"})
    void killedAfterTheCommitRecordIsTheResult(String point, @TempDir Path tmp) {
        Path ckpt = Checkpoints.copy(original, tmp.resolve("c"));
        assertEquals(FaultPoint.HALT_STATUS, Checkpoints.run(point, "apply", ckpt.toString(), planFolder.toString()));
        assertTrue(Checkpoints.same(rescaledTensors, Checkpoints.tensors(ckpt)), "the rescaled result after " + point);
        assertFalse(Files.exists(InPlaceNames.journal(ckpt, "model")));
        try (Model model = Wisca.open(ckpt)) {   // the stamp is there: undo accepts it
            model.undoInPlace(RescalePlan.load(planFolder));
        }
    }

    @Test
    void aRecoveryKilledHalfwayIsRolledBackByTheNext(@TempDir Path tmp) {
        Path ckpt = Checkpoints.copy(original, tmp.resolve("c"));
        assertEquals(FaultPoint.HALT_STATUS, Checkpoints.run("tensors:" + (tensorsChanged - 1), "apply", ckpt.toString(), planFolder.toString()));
        assertEquals(FaultPoint.HALT_STATUS, Checkpoints.run("rollback-page", "open", ckpt.toString()), "halted inside the roll back");
        assertTrue(Checkpoints.same(originalFiles, Checkpoints.files(ckptAfterOpen(ckpt))));
    }

    @Test
    void sigkillAtRandomInstantsLeavesTheOriginalOrTheResult(@TempDir Path tmp) throws Exception {
        Path big = Checkpoints.llama(tmp.resolve("big"), Dtype.BF16, 512, 8, 16 << 20, 11);
        Path bigOut = tmp.resolve("big-out");
        Path bigPlan = tmp.resolve("big-plan");
        try (Model model = Wisca.open(big)) {
            RescalePlan plan = model.plan(RescaleSettings.paper());
            model.apply(plan, bigOut);
            plan.save(bigPlan);
        }
        Map<String, byte[]> before = Checkpoints.files(big);
        Map<String, byte[]> after = Checkpoints.tensors(bigOut);
        long start = System.nanoTime();
        Path timing = Checkpoints.copy(big, tmp.resolve("timing"));
        assertEquals(0, Checkpoints.run("", "apply", timing.toString(), bigPlan.toString()));
        long fullMillis = (System.nanoTime() - start) / 1_000_000;
        assertTrue(Checkpoints.same(after, Checkpoints.tensors(timing)), "an uninterrupted run is the out-of-place result");
        Random random = new Random(42);
        int originals = 0;
        int results = 0;
        for (int i = 0; i < 8; i++) {
            Path ckpt = Checkpoints.copy(big, tmp.resolve("k" + i));
            Process p = Checkpoints.child("", "apply", ckpt.toString(), bigPlan.toString());
            Thread.sleep((long) (fullMillis * (0.1 + 1.5 * random.nextDouble())));
            p.destroyForcibly();   // SIGKILL
            p.waitFor();
            Checkpoint.open(ckpt).close();   // the open recovers
            if (Checkpoints.same(before, Checkpoints.files(ckpt))) {
                originals++;
            } else {
                Map<String, byte[]> now = Checkpoints.files(ckpt);
                assertTrue(Checkpoints.same(after, Checkpoints.tensors(ckpt)), "kill " + i + ": neither the original nor the result;"
                    + " files " + before.keySet() + " before, " + now.keySet() + " now; differing: " + before.keySet().stream()
                        .filter(k -> !java.util.Arrays.equals(before.get(k), now.get(k))).toList());
                results++;
            }
        }
        System.out.println("sigkill: " + originals + " originals, " + results + " results; a full run took " + fullMillis + " ms");
    }

    @Test
    @SuppressWarnings("try")  // the locks are held for the bodies, never called in them
    void aSecondInPlaceRunAndAnOpenDuringARunAreRefused(@TempDir Path tmp) {
        Path ckpt = Checkpoints.copy(original, tmp.resolve("c"));
        try (Model model = Wisca.open(ckpt); InPlaceLock held = InPlaceLock.acquire(ckpt, "model")) {
            WiscaException busy = assertThrows(WiscaException.class, () -> model.applyInPlace(RescalePlan.load(planFolder)));
            assertEquals(ErrorKind.CHECKPOINT_BUSY, busy.kind());
            assertTrue(Checkpoints.same(originalFiles, Checkpoints.files(ckpt)), "nothing written");
        }
        assertEquals(FaultPoint.HALT_STATUS, Checkpoints.run("before-commit", "apply", ckpt.toString(), planFolder.toString()));
        try (InPlaceLock held = InPlaceLock.acquire(ckpt, "model")) {   // as a live run holds it
            WiscaException busy = assertThrows(WiscaException.class, () -> Checkpoint.open(ckpt));
            assertEquals(ErrorKind.CHECKPOINT_BUSY, busy.kind());
            assertEquals(InPlaceNames.journal(ckpt, "model"), busy.path().orElseThrow(), "names the journal");
        }
        assertTrue(Checkpoints.same(originalFiles, Checkpoints.files(ckptAfterOpen(ckpt))));
    }

    @Test
    void aDamagedJournalIsRefusedNamingIt(@TempDir Path tmp) throws Exception {
        Path ckpt = Checkpoints.copy(original, tmp.resolve("c"));
        assertEquals(FaultPoint.HALT_STATUS, Checkpoints.run("tensors:2", "apply", ckpt.toString(), planFolder.toString()));
        Path journal = InPlaceNames.journal(ckpt, "model");
        try (var ch = java.nio.channels.FileChannel.open(journal, java.nio.file.StandardOpenOption.WRITE)) {
            ch.truncate(ch.size() - 1);
        }
        WiscaException e = assertThrows(WiscaException.class, () -> Checkpoint.open(ckpt));
        assertEquals(ErrorKind.UNFINISHED_JOURNAL, e.kind());
        assertEquals(journal, e.path().orElseThrow());
        assertTrue(Files.exists(journal), "kept for a person to look at");
    }

    private static Path ckptAfterOpen(Path ckpt) {
        Checkpoint.open(ckpt).close();   // the open recovers
        return ckpt;
    }

    static List<String> unused() { return List.of(); }
}
