package dev.wisca.rescale.jmh;

import dev.wisca.io.Dtype;
import dev.wisca.rescale.backend.Backend;
import dev.wisca.rescale.backend.MatrixView;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.Arrays;
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
 * Scaling one 1024 × 4096 matrix into a second buffer with row and column factors, rounded once to
 * the stored dtype, on one thread: apply's inner loop (per chunk). Bytes per second = matrix bytes / score.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Benchmark)
public class ScaleBenchmark {
    @Param({"F32", "BF16"})
    public String dtype;

    @Param({"vector", "scalar"})
    public String backend;

    @Param({"rows", "rows+cols"})
    public String factors;

    private Arena arena;
    private MatrixView matrix;
    private MemorySegment target;
    private Backend impl;
    private double[] rowFactors;
    private double[] colFactors;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        matrix = Matrices.random(arena, Dtype.valueOf(dtype), 1024, 4096, 1);
        target = arena.allocate(matrix.data().byteSize(), 64);
        impl = Matrices.backend(backend);
        rowFactors = new double[1024];
        Arrays.fill(rowFactors, 1.7);
        colFactors = factors.equals("rows") ? null : new double[4096];
        if (colFactors != null) Arrays.fill(colFactors, 0.6);
    }

    @TearDown(Level.Trial)
    public void tearDown() { arena.close(); }

    @Benchmark
    public MemorySegment scale() {
        impl.scale(matrix, 0, matrix.elementCount(), target, rowFactors, colFactors, false);
        return target;
    }
}
