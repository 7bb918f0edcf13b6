package dev.wisca.io.hf;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;

import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.Tensor;
import dev.wisca.io.TensorSpec;
import dev.wisca.io.WiscaException;
import java.io.IOException;
import java.io.RandomAccessFile;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The passes that still read through the mapping (pattern statistics, verify) run under
 * {@link Checkpoint#guarded}: a shard truncated underneath them is FILE_CHANGED naming it, not the
 * JVM's InternalError with a stack trace.
 */
class TruncatedMappingTest {
    static final List<TensorSpec> SPECS = List.of(new TensorSpec("w", Dtype.F32, new long[] {512, 1024}));

    @Test
    void aShardTruncatedUnderAMappedReadIsFileChangedNamingIt(@TempDir Path dir) throws IOException {
        Path file = dir.resolve("model.safetensors");
        Fixtures.writeFile(file, SPECS, Fixtures.randomData(SPECS, 1));
        try (Checkpoint c = Checkpoint.open(file)) {
            Tensor w = c.tensor("w");
            long last = w.data().byteSize() - 4;
            try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
                raf.setLength(4096);
            }
            WiscaException e = assertThrows(WiscaException.class,
                () -> Checkpoint.guarded(List.of(c), () -> w.data().get(ValueLayout.JAVA_FLOAT_UNALIGNED, last)));
            assertEquals(ErrorKind.FILE_CHANGED, e.kind(), e.getMessage());
            assertEquals(file, e.path().orElseThrow());
        }
    }

    @Test
    void otherInternalErrorsPassThroughWhenNothingChanged(@TempDir Path dir) {
        Path file = dir.resolve("model.safetensors");
        Fixtures.writeFile(file, SPECS, Fixtures.randomData(SPECS, 2));
        InternalError bug = new InternalError("a bug");
        try (Checkpoint c = Checkpoint.open(file)) {
            assertSame(bug, assertThrows(InternalError.class, () -> Checkpoint.guarded(List.of(c), () -> { throw bug; })));
            assertEquals(0f, Checkpoint.guarded(List.of(c), () -> 0f));
        }
    }
}
