package dev.wisca.rescale.jmh;

import dev.wisca.io.Dtype;
import dev.wisca.rescale.backend.AxisStats;
import dev.wisca.rescale.backend.Backend;
import dev.wisca.rescale.backend.MatrixView;
import dev.wisca.rescale.graph.Axis;
import java.lang.foreign.Arena;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Statistics of one 1024 × 4096 matrix (4 Mi elements: 16 MiB in f32, 8 MiB in bf16) on one thread,
 * along rows (Q/K, V rows) and along columns (O columns): the statistics pass's inner loop.
 * Bytes per second = matrix bytes / score.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Benchmark)
public class StatsBenchmark {
    @Param({"F32", "BF16"})
    public String dtype;

    @Param({"vector", "lanes", "scalar"})
    public String backend;

    @Param({"ROWS", "COLS"})
    public String axis;

    private Arena arena;
    private MatrixView matrix;
    private Backend impl;
    private Axis along;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        matrix = Matrices.random(arena, Dtype.valueOf(dtype), 1024, 4096, 1);
        impl = Matrices.backend(backend);
        along = Axis.valueOf(axis);
    }

    @TearDown(Level.Trial)
    public void tearDown() { arena.close(); }

    @Benchmark
    public AxisStats stats() {
        return impl.stats(matrix, 0, matrix.rows(), along, null, null, false);
    }
}
