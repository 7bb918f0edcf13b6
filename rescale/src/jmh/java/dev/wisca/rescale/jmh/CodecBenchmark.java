package dev.wisca.rescale.jmh;

import dev.wisca.io.Dtype;
import dev.wisca.io.codec.Codecs;
import dev.wisca.io.codec.ElementCodec;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.util.SplittableRandom;
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

/** Bulk decode to float[] and encode from float[] (round to nearest even) of 1 Mi elements. */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgsAppend = {"--add-modules", "jdk.incubator.vector"})
@State(Scope.Benchmark)
public class CodecBenchmark {
    static final int ELEMENTS = 1 << 20;

    @Param({"F32", "BF16", "F16", "F8_E4M3"})
    public String dtype;

    private Arena arena;
    private ElementCodec codec;
    private MemorySegment encoded;
    private float[] values;

    @Setup(Level.Trial)
    public void setUp() {
        arena = Arena.ofShared();
        codec = Codecs.of(Dtype.valueOf(dtype));
        encoded = arena.allocate((long) ELEMENTS * codec.dtype().byteSize(), 64);
        values = new float[ELEMENTS];
        SplittableRandom random = new SplittableRandom(1);
        for (int i = 0; i < ELEMENTS; i++) values[i] = (float) (random.nextGaussian() * 0.02);
        codec.encode(values, ELEMENTS, encoded, 0);
    }

    @TearDown(Level.Trial)
    public void tearDown() { arena.close(); }

    @Benchmark
    public float[] decode() {
        codec.decode(encoded, 0, values, ELEMENTS);
        return values;
    }

    @Benchmark
    public MemorySegment encode() {
        codec.encode(values, ELEMENTS, encoded, 0);
        return encoded;
    }
}
