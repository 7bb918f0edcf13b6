package dev.wisca.sdk.inplace;

import dev.wisca.sdk.ModelInternals;
import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.SafetensorsFile;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.WiscaException;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.io.inplace.FaultPoint;
import dev.wisca.io.inplace.InPlaceNames;
import dev.wisca.io.inplace.PageSums;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.sdk.Model;
import dev.wisca.sdk.RescalePlan;
import dev.wisca.sdk.Wisca;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.assertThrows;

/**
 * The journal of power-of-two tensors (page sums and the inverse plan instead of before-images) on a
 * checkpoint whose v/o (what the paper plan changes here) span many pages and more than one rewrite chunk: kills mid-tensor and in
 * the page-wise roll back, torn pages written by hand (an element prefix, a subset of 512-byte sectors,
 * a whole page) restored bit for bit, a page changed by something else refused naming the shard, an
 * in-place undo killed halfway, and a journal that holds no copy of the rewritten bytes.
 */
class InPlacePageJournalTest {
    @TempDir static Path dir;
    static Path original;
    static Path planFolder;
    static Map<String, byte[]> originalFiles;
    static Map<String, byte[]> rescaledTensors;
    static long changedBytes;

    @BeforeAll
    static void prepare() {
        original = Checkpoints.llama(dir.resolve("original"), Dtype.BF16, 1024, 2, 64 << 20, 5);
        Path outOfPlace = dir.resolve("out-of-place");
        try (Model model = Wisca.open(original)) {
            RescalePlan plan = model.plan(RescaleSettings.paper());
            model.apply(plan, outOfPlace);
            planFolder = dir.resolve("plan");
            plan.save(planFolder);
            for (TensorInfo t : ModelInternals.checkpoint(model).tensors()) if (plan.tensors().contains(t.name())) changedBytes += t.byteLength();
        }
        originalFiles = Checkpoints.files(original);
        rescaledTensors = Checkpoints.tensors(outOfPlace);
    }

    @Test
    void theJournalHoldsPageSumsNotACopyOfTheRewrittenBytes(@TempDir Path tmp) throws IOException {
        Path ckpt = Checkpoints.copy(original, tmp.resolve("c"));
        assertEquals(FaultPoint.HALT_STATUS, Checkpoints.run("before-commit", "apply", ckpt.toString(), planFolder.toString()));
        long journal = Files.size(InPlaceNames.journal(ckpt, "model"));
        assertTrue(journal < changedBytes / 100, "journal of " + journal + " bytes for " + changedBytes + " rewritten");
        assertTrue(Checkpoints.same(originalFiles, Checkpoints.files(afterOpen(ckpt))), "rolled back from the sums alone");
    }

    @ParameterizedTest
    @ValueSource(strings = {"mid-tensor", "tensors:3", "journal-written"})
    void killedMidTensorIsRolledBack(String point, @TempDir Path tmp) {
        Path ckpt = Checkpoints.copy(original, tmp.resolve("c"));
        assertEquals(FaultPoint.HALT_STATUS, Checkpoints.run(point, "apply", ckpt.toString(), planFolder.toString()));
        assertTrue(Files.exists(InPlaceNames.journal(ckpt, "model")));
        assertTrue(Checkpoints.same(originalFiles, Checkpoints.files(afterOpen(ckpt))), "the original after " + point);
        assertFalse(Files.exists(InPlaceNames.journal(ckpt, "model")));
    }

    @Test
    void aPageWiseRollBackKilledHalfwayIsFinishedByTheNext(@TempDir Path tmp) {
        Path ckpt = Checkpoints.copy(original, tmp.resolve("c"));
        assertEquals(FaultPoint.HALT_STATUS, Checkpoints.run("before-commit", "apply", ckpt.toString(), planFolder.toString()));
        assertEquals(FaultPoint.HALT_STATUS, Checkpoints.run("rollback-page", "open", ckpt.toString()), "halted inside the roll back");
        assertTrue(Checkpoints.same(originalFiles, Checkpoints.files(afterOpen(ckpt))));
    }

    @Test
    void tornPagesAreRestoredBitForBit(@TempDir Path tmp) throws IOException {
        Path ckpt = Checkpoints.copy(original, tmp.resolve("c"));
        Located first = locate("model.layers.0.self_attn.o_proj.weight");   // the paper plan changes v and o here
        Located second = locate("model.layers.1.self_attn.v_proj.weight");
        assertEquals(FaultPoint.HALT_STATUS, Checkpoints.run("journal-written", "apply", ckpt.toString(), planFolder.toString()));
        Path shard = ckpt.resolve(first.shard());
        try (FileChannel ch = FileChannel.open(shard, StandardOpenOption.WRITE)) {
            writeRescaled(ch, first, page(first, 5), page(first, 5) + 1234);                    // a killed write: element prefix
            for (int s : new int[] {0, 2, 5, 7}) {                                            // a power loss: some sectors
                writeRescaled(ch, first, page(first, 9) + s * PageSums.SECTOR, page(first, 9) + (s + 1) * PageSums.SECTOR);
            }
            writeRescaled(ch, first, page(first, 12), page(first, 14));                         // whole pages
            writeRescaled(ch, second, 0, page(second, 3) + 700);                              // a tensor's head, torn
            writeRescaled(ch, second, page(second, 6) + 3 * PageSums.SECTOR, page(second, 6) + 4 * PageSums.SECTOR);
        }
        assertFalse(Checkpoints.same(originalFiles, Checkpoints.files(ckpt)), "the test did change bytes");
        assertTrue(Checkpoints.same(originalFiles, Checkpoints.files(afterOpen(ckpt))), "every torn page restored");
    }

    @Test
    void aPageNoStateExplainsIsRefusedNamingTheShard(@TempDir Path tmp) throws IOException {
        Path ckpt = Checkpoints.copy(original, tmp.resolve("c"));
        Located other = locate("model.layers.1.self_attn.o_proj.weight");
        assertEquals(FaultPoint.HALT_STATUS, Checkpoints.run("tensors:2", "apply", ckpt.toString(), planFolder.toString()));
        Path shard = ckpt.resolve(other.shard());
        try (FileChannel ch = FileChannel.open(shard, StandardOpenOption.WRITE)) {
            ch.write(ByteBuffer.wrap(new byte[] {0x12, 0x34, 0x56}), other.fileOffset() + 2 * PageSums.PAGE + 100);   // neither before nor after
        }
        WiscaException e = assertThrows(WiscaException.class, () -> Checkpoint.open(ckpt));
        assertEquals(ErrorKind.UNFINISHED_JOURNAL, e.kind());
        assertEquals(shard, e.path().orElseThrow(), e.getMessage());
        assertTrue(e.getMessage().contains(other.name()), e.getMessage());
        assertTrue(Files.exists(InPlaceNames.journal(ckpt, "model")), "kept for a person to look at");
    }

    @ParameterizedTest
    @ValueSource(strings = {"tensors:3", "mid-tensor", "before-commit"})
    void anInPlaceUndoKilledHalfwayLeavesTheRescaledCheckpoint(String point, @TempDir Path tmp) {
        Path ckpt = Checkpoints.copy(original, tmp.resolve("c"));
        assertEquals(0, Checkpoints.run("", "apply", ckpt.toString(), planFolder.toString()));
        Map<String, byte[]> applied = Checkpoints.files(ckpt);
        assertTrue(Checkpoints.same(rescaledTensors, Checkpoints.tensors(ckpt)));
        assertEquals(FaultPoint.HALT_STATUS, Checkpoints.run(point, "undo", ckpt.toString(), planFolder.toString()));
        assertTrue(Checkpoints.same(applied, Checkpoints.files(afterOpen(ckpt))), "the rescaled checkpoint after " + point);
        assertEquals(0, Checkpoints.run("", "undo", ckpt.toString(), planFolder.toString()));
        Map<String, byte[]> undone = Checkpoints.tensors(ckpt);
        for (String name : undone.keySet()) {
            assertArrayEquals(tensorOf(originalFiles, name), undone.get(name), name + " restored exactly by the undo");
        }
    }

    /** A tensor's shard and where its bytes start in it. */
    record Located(String name, String shard, long fileOffset, long length) {}

    private static Located locate(String name) {
        try (Checkpoint c = Checkpoint.open(original)) {
            for (SafetensorsFile f : c.shardFiles()) {
                for (TensorInfo t : f.tensors()) {
                    if (t.name().equals(name)) {
                        return new Located(name, f.path().getFileName().toString(), f.header().dataStart() + t.begin(), t.byteLength());
                    }
                }
            }
        }
        throw new AssertionError("no " + name);
    }

    /** Where file page {@code p} of the tensor's bytes starts, as an offset inside the tensor. */
    private static long page(Located t, int p) { return PageSums.pageStart(t.fileOffset(), p) - t.fileOffset(); }

    /** Writes the out-of-place result's bytes {@code [from, to)} of the tensor (offsets inside it) over the checkpoint's. */
    private static void writeRescaled(FileChannel ch, Located t, long from, long to) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(Arrays.copyOfRange(rescaledTensors.get(t.name()), (int) from, (int) to));
        while (b.hasRemaining()) ch.write(b, t.fileOffset() + from + b.position());
    }

    private static byte[] tensorOf(Map<String, byte[]> files, String name) {
        Located t = locate(name);
        return Arrays.copyOfRange(files.get(t.shard()), (int) t.fileOffset(), (int) (t.fileOffset() + t.length()));
    }

    private static Path afterOpen(Path ckpt) {
        Checkpoint.open(ckpt).close();   // the open recovers
        return ckpt;
    }
}
