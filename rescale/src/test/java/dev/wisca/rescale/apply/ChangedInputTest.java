package dev.wisca.rescale.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.TensorSpec;
import dev.wisca.io.WiscaException;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.io.hf.CheckpointWriter;
import dev.wisca.rescale.Progress;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.rescale.plan.Planner;
import dev.wisca.rescale.fixtures.MemorySource;
import dev.wisca.rescale.fixtures.TinyBlock;
import dev.wisca.rescale.graph.Site;
import dev.wisca.rescale.plan.Plan;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 11 §4: shards truncated or rewritten (trainers re-save under the same name) while wisca reads
 * them give a typed FILE_CHANGED naming the file: no JVM abort (a SIGBUS on the mapping used to kill
 * the process inside a vector kernel), no stack trace, no output published for that shard. The
 * change is made by a second thread while the pass is running, at its first progress report.
 */
class ChangedInputTest {
    @TempDir Path dir;

    private static final List<Site> SITES = TinyBlock.sites(true, true);

    @Test
    void shardsTruncatedDuringTheStatisticsPassAreFileChanged() throws IOException {
        Path in = checkpoint("stats");
        List<Path> shards = shards(in);
        try (Checkpoint ckpt = Checkpoint.open(in)) {
            Progress truncating = onFirstAdvance("stats", () -> shards.forEach(ChangedInputTest::truncate));
            WiscaException e = assertThrows(WiscaException.class,
                () -> Planner.plan(ckpt, SITES, options().withProgress(truncating)));
            assertEquals(ErrorKind.FILE_CHANGED, e.kind(), e.getMessage());
            assertTrue(shards.contains(e.path().orElseThrow()), e.getMessage());
        }
    }

    @Test
    void shardsTruncatedDuringTheWriteAreFileChangedAndNothingIsLeftBehind() throws IOException {
        Path in = checkpoint("write");
        List<Path> shards = shards(in);
        Path out = dir.resolve("out");
        try (Checkpoint ckpt = Checkpoint.open(in)) {
            Plan plan = Planner.plan(ckpt, SITES, options());
            Progress truncating = onFirstAdvance("write", () -> shards.forEach(ChangedInputTest::truncate));
            WiscaException e = assertThrows(WiscaException.class,
                () -> Apply.run(ckpt, plan, out, options().withProgress(truncating)));
            assertEquals(ErrorKind.FILE_CHANGED, e.kind(), e.getMessage());
            Path named = e.path().orElseThrow();
            assertTrue(shards.contains(named), e.getMessage());
            assertTrue(Files.notExists(out.resolve(named.getFileName())), "no output for the changed shard");
            assertEquals(List.of(), tempFiles(out));
        }
    }

    @Test
    void aShardRewrittenInPlaceWithTheSameSizeIsFileChanged() throws IOException {
        Path in = checkpoint("rewrite");
        Path last = shards(in).getLast();
        Path out = dir.resolve("out");
        try (Checkpoint ckpt = Checkpoint.open(in)) {
            Plan plan = Planner.plan(ckpt, SITES, options());
            Progress rewriting = onFirstAdvance("write", () -> rewriteLastByte(last));
            WiscaException e = assertThrows(WiscaException.class,
                () -> Apply.run(ckpt, plan, out, options().withProgress(rewriting)));
            assertEquals(ErrorKind.FILE_CHANGED, e.kind(), e.getMessage());
            assertEquals(last, e.path().orElseThrow());
            assertTrue(Files.notExists(out.resolve(last.getFileName())));
            assertEquals(List.of(), tempFiles(out));
        }
    }

    @Test
    void anUnchangedCheckpointStillRescales() throws IOException {
        Path in = checkpoint("same");
        try (Checkpoint ckpt = Checkpoint.open(in)) {
            Plan plan = Planner.plan(ckpt, SITES, options());
            Apply.run(ckpt, plan, dir.resolve("out"), options());
        }
        assertEquals(shards(in).size(), shards(dir.resolve("out")).size());
    }

    private static RescaleSettings options() { return RescaleSettings.paper().withParallelism(2); }

    /** A progress that, when {@code phase} first advances, runs {@code change} on another thread and waits for it. */
    private static Progress onFirstAdvance(String phase, Runnable change) {
        AtomicBoolean armed = new AtomicBoolean();
        AtomicBoolean fired = new AtomicBoolean();
        return new Progress() {
            @Override public void start(String p, long totalBytes, int totalTensors) { armed.set(p.startsWith(phase)); }

            @Override public void advance(long bytes, int tensors) {
                if (armed.get() && fired.compareAndSet(false, true)) run(change);
            }

            @Override public void finish() {}
        };
    }

    private static void run(Runnable change) {
        Thread other = Thread.ofPlatform().start(change);
        try {
            other.join();
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void truncate(Path file) {
        modify(file, f -> {
            try {
                f.setLength(8);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    /** Same size, one byte different, as a trainer saving again under the same name would leave it. */
    private static void rewriteLastByte(Path file) {
        try {
            Thread.sleep(50);  // past the file system's timestamp granularity
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
        modify(file, f -> {
            try {
                f.seek(f.length() - 1);
                int b = f.read();
                f.seek(f.length() - 1);
                f.write(b ^ 1);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
    }

    private static void modify(Path file, Consumer<RandomAccessFile> change) {
        try (RandomAccessFile f = new RandomAccessFile(file.toFile(), "rw")) {
            change.accept(f);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private Path checkpoint(String name) throws IOException {
        Path folder = dir.resolve(name);
        try (MemorySource src = TinyBlock.build(Dtype.BF16, true, 7)) {
            List<TensorSpec> specs = src.tensors().stream().map(TensorSpec::of).toList();
            CheckpointWriter.plan(folder, "model", specs, 200, Map.of("format", "pt"))
                .write((spec, w) -> w.write(spec.name(), src.tensor(spec.name()).data()));
        }
        Files.writeString(folder.resolve("config.json"), "{\"model_type\":\"tiny\"}");
        return folder;
    }

    private static List<Path> shards(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> p.getFileName().toString().endsWith(".safetensors")).sorted().toList();
        }
    }

    private static List<Path> tempFiles(Path folder) throws IOException {
        if (!Files.isDirectory(folder)) return List.of();
        try (Stream<Path> files = Files.list(folder)) {
            return files.filter(p -> p.getFileName().toString().contains(".tmp-")).toList();
        }
    }
}
