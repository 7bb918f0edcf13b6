package dev.wisca.sdk.bench;

import dev.wisca.io.WiscaException;
import dev.wisca.io.Dtype;
import dev.wisca.io.hf.ByteSize;
import dev.wisca.rescale.RescaleSettings;

import java.nio.file.Path;
import java.util.Optional;

/**
 * What {@link Bench#run} measures.
 *
 * @param sizeBytes     size of the generated checkpoint (ignored with {@code checkpoint})
 * @param dtype         dtype of the generated checkpoint
 * @param checkpoint    an existing checkpoint to measure instead of a generated one
 * @param dir           work folder (generated checkpoint, copy, rescaled and undone outputs)
 * @param keep          keep the work files of the last repeat
 * @param repeats       measured repeats (min and median are reported)
 * @param rescale       pairs, granularity, solver, threads (its progress hears every phase)
 * @param maxShardBytes shard size of the generated checkpoint
 * @param seed          random values of the generated checkpoint
 */
public record BenchSettings(long sizeBytes, Dtype dtype, Optional<Path> checkpoint, Path dir, boolean keep,
                            int repeats, RescaleSettings rescale, long maxShardBytes, long seed) {
    public BenchSettings {
        if (sizeBytes < 1) throw WiscaException.invalidArgument("size must be positive");
        if (repeats < 1) throw WiscaException.invalidArgument("repeats must be >= 1, got " + repeats);
        if (dtype != Dtype.F32 && dtype != Dtype.BF16 && dtype != Dtype.F16) {
            throw WiscaException.invalidArgument("bench generates f32, bf16 or f16 checkpoints, not " + dtype);
        }
    }

    /** 1 GB of bf16 in {@code dir}, the paper's rescale settings, one repeat. */
    public static BenchSettings defaults(Path dir) {
        return new BenchSettings(1_000_000_000L, Dtype.BF16, Optional.empty(), dir, false, 1,
            RescaleSettings.paper(), ByteSize.DEFAULT_MAX_SHARD_SIZE, 42);
    }
}
