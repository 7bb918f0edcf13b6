package dev.wisca.rescale.jmh;

import dev.wisca.io.Dtype;
import dev.wisca.io.codec.Codecs;
import dev.wisca.rescale.backend.Backend;
import dev.wisca.rescale.backend.MatrixView;
import dev.wisca.rescale.backend.cpu.CpuBackend;
import dev.wisca.rescale.backend.cpu.ScalarBackend;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;

/** Random weight matrices in native memory, as a mapped checkpoint would hold them. */
final class Matrices {
    private Matrices() {}

    static MatrixView random(Arena arena, Dtype dtype, long rows, long cols, long seed) {
        MemorySegment data = arena.allocate(rows * cols * dtype.byteSize(), 64);
        SplittableRandom random = new SplittableRandom(seed);
        float[] block = new float[4096];
        for (long done = 0; done < rows * cols; done += block.length) {
            int n = (int) Math.min(block.length, rows * cols - done);
            for (int k = 0; k < n; k++) block[k] = (float) (random.nextGaussian() * 0.02);
            Codecs.of(dtype).encode(block, n, data, done);
        }
        return new MatrixView(data, dtype, 1, rows, cols);
    }

    static Backend backend(String name) {
        return switch (name) {
            case "vector" -> CpuBackend.withStatsKernels(CpuBackend.StatsKernels.VECTOR);
            case "lanes" -> CpuBackend.withStatsKernels(CpuBackend.StatsKernels.LANES);
            case "cpu" -> CpuBackend.INSTANCE;
            case "scalar" -> ScalarBackend.INSTANCE;
            default -> throw new IllegalArgumentException(name);
        };
    }
}
