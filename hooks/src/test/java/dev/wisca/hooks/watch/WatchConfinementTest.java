package dev.wisca.hooks.watch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wisca.hooks.watch.Outcome.Status;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Issue 11 §5: a planted journal, a symbolic link for the staging folder or a checkpoint, odd
 * checkpoint names and a second watcher never make the watcher touch a file outside the checkpoint.
 * Each test plants what an attacker (or a confused script) would and checks the files outside.
 */
class WatchConfinementTest {
    @TempDir Path dir;

    static final WatchOptions OPTIONS = WatchOptions.defaults().withParallelism(1).withPoll(Duration.ofMillis(10));

    private Path root() throws Exception { return Files.createDirectories(dir.resolve("run")); }

    private static void plantJournal(Path checkpoint, String phase, String filesJson) throws Exception {
        Files.writeString(checkpoint.resolve(Journal.JOURNAL), "{\"phase\":\"" + phase + "\",\"planHash\":\"abc123\",\"files\":" + filesJson + "}");
    }

    private static String shard(Path checkpoint) throws Exception {
        try (var files = Files.list(checkpoint)) {
            return files.map(p -> p.getFileName().toString()).filter(n -> n.startsWith("model-")).sorted().findFirst().orElseThrow();
        }
    }

    @Test
    void aPlantedJournalWithDotDotNamesDoesNotOverwriteAFileOutsideTheTree() throws Exception {
        Path root = root();
        Path checkpoint = TrainerFolder.writeComplete(root.resolve("checkpoint-1"), 1);
        Path victim = Files.writeString(dir.resolve("victim.safetensors"), "precious");
        Path planted = Files.writeString(root.resolve("victim.safetensors"), "attacker");
        // staging/../../victim is run/victim (pulled in), folder/../../victim is dir/victim (overwritten)
        Files.createDirectories(checkpoint.resolve(Journal.STAGING));
        plantJournal(checkpoint, "SWAPPING", "[\"../../victim.safetensors\"]");
        CheckpointWatcher watcher = new CheckpointWatcher(root, OPTIONS);
        Outcome first = watcher.poll().getFirst();
        assertEquals(Status.FAILED, first.status(), first.toString());
        assertTrue(first.detail().contains("../../victim.safetensors") && first.detail().contains("not a plain file name"), first.detail());
        assertEquals("precious", Files.readString(victim));
        assertEquals("attacker", Files.readString(planted));
        Outcome later = watcher.poll().getFirst();
        assertEquals(Status.FAILED, later.status());
        assertTrue(later.detail().contains("../../victim.safetensors"), "the reason is kept in every later report: " + later.detail());
    }

    @ParameterizedTest
    @ValueSource(strings = {"..", "../x.safetensors", "sub/x.safetensors", "sub\\\\x.safetensors", "ABSOLUTE", "x\\u0000.safetensors",
        "config.json", ""})
    void everyJournalNameThatIsNotAPlainStagedFileIsRefused(String name) throws Exception {
        Path root = root();
        Path checkpoint = TrainerFolder.writeComplete(root.resolve("checkpoint-2"), 2);
        Path outside = Files.writeString(dir.resolve("x.safetensors"), "outside");
        String json = name.equals("ABSOLUTE") ? outside.toString() : name;
        Files.createDirectories(checkpoint.resolve(Journal.STAGING));
        if (json.equals("config.json")) Files.writeString(checkpoint.resolve(Journal.STAGING).resolve(json), "{}");
        plantJournal(checkpoint, "SWAPPING", "[\"" + json + "\"]");
        String configBefore = Files.readString(checkpoint.resolve("config.json"));
        Outcome o = new CheckpointWatcher(root, OPTIONS).poll().getFirst();
        assertEquals(Status.FAILED, o.status(), o.toString());
        assertTrue(o.detail().contains("refused"), o.detail());
        assertEquals("outside", Files.readString(outside));
        assertEquals(configBefore, Files.readString(checkpoint.resolve("config.json")));
    }

    @Test
    void aSymlinkedStagingFolderIsRefusedAndNothingIsPulledIn() throws Exception {
        Path root = root();
        Path checkpoint = TrainerFolder.writeComplete(root.resolve("checkpoint-3"), 3);
        String shard = shard(checkpoint);
        byte[] original = Files.readAllBytes(checkpoint.resolve(shard));
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Path foreign = Files.writeString(elsewhere.resolve(shard), "foreign");
        Files.createSymbolicLink(checkpoint.resolve(Journal.STAGING), elsewhere);
        plantJournal(checkpoint, "SWAPPING", "[\"" + shard + "\"]");
        CheckpointWatcher watcher = new CheckpointWatcher(root, OPTIONS);
        Outcome o = watcher.poll().getFirst();
        assertEquals(Status.FAILED, o.status(), o.toString());
        assertTrue(o.detail().contains("symbolic link"), o.detail());
        assertEquals("foreign", Files.readString(foreign), "not pulled out of the other folder");
        assertTrue(java.util.Arrays.equals(original, Files.readAllBytes(checkpoint.resolve(shard))), "shard not replaced");
    }

    @Test
    void aSymlinkedStagingFolderIsNotWrittenThroughWhenStartingOver() throws Exception {
        Path root = root();
        Path checkpoint = TrainerFolder.writeComplete(root.resolve("checkpoint-4"), 4);
        Path elsewhere = Files.createDirectories(dir.resolve("elsewhere"));
        Path kept = Files.writeString(elsewhere.resolve("keep.txt"), "kept");
        Files.createSymbolicLink(checkpoint.resolve(Journal.STAGING), elsewhere);
        plantJournal(checkpoint, "STAGING", "[]");
        CheckpointWatcher watcher = new CheckpointWatcher(root, OPTIONS);
        List<Outcome> looks = List.of(watcher.poll().getFirst(), watcher.poll().getFirst());
        assertEquals(Status.FAILED, looks.get(1).status(), looks.toString());
        assertTrue(looks.get(1).detail().contains("symbolic link"), looks.toString());
        try (var files = Files.list(elsewhere)) {
            assertEquals(List.of(kept), files.toList(), "nothing staged into (or deleted from) the link's target");
        }
    }

    @Test
    void aPlantedJournalTempLinkIsReplacedNotWrittenThrough() throws Exception {
        Path root = root();
        Path checkpoint = TrainerFolder.writeComplete(root.resolve("checkpoint-5"), 5);
        Path victim = Files.writeString(dir.resolve("victim.txt"), "precious");
        Files.createSymbolicLink(checkpoint.resolve(Journal.JOURNAL + ".tmp"), victim);
        CheckpointWatcher watcher = new CheckpointWatcher(root, OPTIONS);
        assertEquals(Status.SETTLING, watcher.poll().getFirst().status());
        Outcome o = watcher.poll().getFirst();
        assertEquals(Status.RESCALED, o.status(), o.toString());
        assertEquals("precious", Files.readString(victim));
    }

    @Test
    void aStepPastALongIsSkippedWithANoteAndTheOthersAreStillRescaled() throws Exception {
        Path root = root();
        TrainerFolder.writeComplete(root.resolve("checkpoint-6"), 6);
        Path huge = TrainerFolder.writeComplete(root.resolve("checkpoint-99999999999999999999"), 7);
        byte[] before = Files.readAllBytes(huge.resolve(shard(huge)));
        CheckpointWatcher watcher = new CheckpointWatcher(root, OPTIONS);
        List<Outcome> first = watcher.poll(), second = watcher.poll();
        assertEquals(2, second.size(), second.toString());
        assertEquals(Status.RESCALED, second.get(0).status(), second.toString());
        assertEquals(Status.SKIPPED, second.get(1).status(), second.toString());
        assertTrue(second.get(1).detail().contains("64-bit"), second.get(1).detail());
        assertEquals(Status.SKIPPED, first.get(1).status());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(huge.resolve(shard(huge)))));
    }

    @Test
    void aSymlinkedCheckpointFolderIsSkippedAndItsTargetUntouched() throws Exception {
        Path root = root();
        Path real = TrainerFolder.writeComplete(dir.resolve("outside-checkpoint"), 8);
        byte[] before = Files.readAllBytes(real.resolve(shard(real)));
        Files.createSymbolicLink(root.resolve("checkpoint-8"), real);
        CheckpointWatcher watcher = new CheckpointWatcher(root, OPTIONS);
        watcher.poll();
        Outcome o = watcher.poll().getFirst();
        assertEquals(Status.SKIPPED, o.status(), o.toString());
        assertTrue(java.util.Arrays.equals(before, Files.readAllBytes(real.resolve(shard(real)))));
        assertFalse(Files.exists(real.resolve(Journal.MARKER)));
    }

    @Test
    void aFailedCheckpointKeepsItsReasonInEveryLaterReport() throws Exception {
        Path root = root();
        Path checkpoint = TrainerFolder.writeComplete(root.resolve("checkpoint-9"), 9);
        Files.writeString(checkpoint.resolve("config.json"), "{\"model_type\": \"no-such-family\"}");
        CheckpointWatcher watcher = new CheckpointWatcher(root, OPTIONS);
        watcher.poll();
        Outcome failed = watcher.poll().getFirst();
        assertEquals(Status.FAILED, failed.status(), failed.toString());
        for (int look = 0; look < 3; look++) {
            Outcome later = watcher.poll().getFirst();
            assertEquals(Status.FAILED, later.status());
            assertTrue(later.detail().startsWith(failed.detail()), later.detail() + " vs " + failed.detail());
        }
    }

    @Test
    void aWatcherInAnotherProcessExcludesThisOne() throws Exception {
        Path root = root();
        Path checkpoint = TrainerFolder.writeComplete(root.resolve("checkpoint-10"), 10);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process other = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), LockHolder.class.getName(), root.toString())
            .redirectErrorStream(true).start();
        try {
            BufferedReader out = new BufferedReader(new InputStreamReader(other.getInputStream(), StandardCharsets.UTF_8));
            assertEquals("locked", out.readLine());
            CheckpointWatcher watcher = new CheckpointWatcher(root, OPTIONS);
            for (int look = 0; look < 3; look++) {
                List<Outcome> busy = watcher.poll();
                assertEquals(List.of(Status.BUSY), busy.stream().map(Outcome::status).toList(), busy.toString());
            }
            assertFalse(Files.exists(checkpoint.resolve(Journal.MARKER)));
            other.getOutputStream().close();
            assertTrue(other.waitFor(30, TimeUnit.SECONDS));
            watcher.poll();
            assertEquals(Status.RESCALED, watcher.poll().getFirst().status());
        } finally {
            other.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        }
    }

    @Test
    void twoWatchersInOneJvmNeverWorkOnTheFolderAtOnce() throws Exception {
        Path root = root();
        TrainerFolder.writeComplete(root.resolve("checkpoint-11"), 11);
        AtomicReference<List<Outcome>> seenBySecond = new AtomicReference<>();
        CheckpointWatcher second = new CheckpointWatcher(root, OPTIONS);
        CheckpointWatcher first = new CheckpointWatcher(root, OPTIONS, at -> {
            if (at.equals("journal")) seenBySecond.set(second.poll());
        });
        first.poll();
        assertEquals(Status.RESCALED, first.poll().getFirst().status());
        assertEquals(List.of(Status.BUSY), seenBySecond.get().stream().map(Outcome::status).toList(), String.valueOf(seenBySecond.get()));
        assertEquals(Status.DONE, second.poll().getFirst().status());
    }
}
