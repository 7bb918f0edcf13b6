package dev.wisca.sdk;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wisca.io.Dtype;
import dev.wisca.io.SafetensorsFile;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.hf.Overwrite;
import dev.wisca.rescale.Progress;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.sdk.bench.BenchCheckpoint;
import dev.wisca.sdk.bench.LlamaShape;
import java.io.IOException;
import java.nio.file.FileStore;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code wisca rescale} on a file system that shares extents ({@code $WISCA_REFLINK_DIR}, an XFS image
 * bin/test mounts): the output is byte for byte the one written on ext4 (this test's temp folder), and
 * it takes the disk space of the tensors that changed only, as the file system counts it: the untouched
 * tensors' blocks share the input's extents (what {@code cp --reflink} does for a whole file).
 */
class ReflinkRescaleTest {
    private static final RescaleSettings SETTINGS = RescaleSettings.paper().withParallelism(2);

    @TempDir Path plain;
    private Path sharing;

    @AfterEach
    void removeSharingFolder() throws IOException {
        if (sharing == null) return;
        try (Stream<Path> all = Files.walk(sharing)) {
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.delete(p);
        }
    }

    @Test
    void theRescaledCheckpointSharesTheUntouchedTensorsAndIsTheSameBytes() throws IOException {
        String root = System.getenv("WISCA_REFLINK_DIR");
        assertTrue(root != null && Files.isDirectory(Path.of(root)),
            "WISCA_REFLINK_DIR must name a folder on a file system that shares extents (bin/test mounts an XFS image there)");
        sharing = Files.createTempDirectory(Path.of(root), "reflink-rescale-");
        Path in = BenchCheckpoint.write(LlamaShape.forSize(128L << 20, Dtype.BF16), plain.resolve("in"), 48L << 20, 3, Progress.NONE);
        Path sharedIn = Files.createDirectory(sharing.resolve("in"));
        for (String name : names(in)) Files.copy(in.resolve(name), sharedIn.resolve(name));
        try (Model model = Wisca.open(in)) {
            model.rescale(SETTINGS, plain.resolve("out"), Overwrite.NEVER);
        }
        FileStore store = Files.getFileStore(sharing);
        long freeBefore = store.getUnallocatedSpace();
        RescalePlan plan;
        try (Model model = Wisca.open(sharedIn)) {
            plan = model.rescale(SETTINGS, sharing.resolve("out"), Overwrite.NEVER);
        }
        long taken = freeBefore - store.getUnallocatedSpace();
        List<String> names = names(plain.resolve("out"));
        assertEquals(names, names(sharing.resolve("out")));
        long outputBytes = 0;
        for (String name : names) {
            byte[] expected = Files.readAllBytes(plain.resolve("out").resolve(name));
            assertArrayEquals(expected, Files.readAllBytes(sharing.resolve("out").resolve(name)), name);
            outputBytes += expected.length;
        }
        long changedBytes = 0;
        for (String name : names) {
            if (!name.endsWith(".safetensors")) continue;
            try (SafetensorsFile shard = SafetensorsFile.open(plain.resolve("out").resolve(name))) {
                for (TensorInfo t : shard.tensors()) if (plan.tensors().contains(t.name())) changedBytes += t.byteLength();
            }
        }
        // Shared are the whole 4 MiB blocks of the output that hold untouched tensors only: written were the
        // changed tensors and the blocks they share with untouched ones (about 2.5x the changed bytes here, for
        // these small tensors; without sharing the output would take all its bytes).
        assertTrue(changedBytes > 0 && changedBytes < outputBytes / 4, changedBytes + " of " + outputBytes + " bytes change");
        assertTrue(taken >= changedBytes && taken < outputBytes / 2,
            "the output took " + taken + " bytes of disk for " + changedBytes + " changed bytes of " + outputBytes);
    }

    private static List<String> names(Path folder) throws IOException {
        try (Stream<Path> files = Files.list(folder)) {
            return files.map(p -> p.getFileName().toString()).sorted().toList();
        }
    }
}
