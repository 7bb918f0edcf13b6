package dev.wisca.rescale.pass;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wisca.io.Dtype;
import dev.wisca.rescale.Progress;
import dev.wisca.rescale.fixtures.MemorySource;
import java.lang.foreign.ValueLayout;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

class BlockPassTest {
    private static final ValueLayout.OfFloat F32 = ValueLayout.JAVA_FLOAT_UNALIGNED.withOrder(ByteOrder.LITTLE_ENDIAN);

    record Range(String tensor, long byteOffset, long byteLength, int index) implements BlockPass.Block {}

    /** Blocks of {@code floats} f32 elements over every tensor, numbered in list order. */
    static List<Range> blocks(MemorySource src, int floats) {
        List<Range> out = new ArrayList<>();
        for (var info : src.tensors()) {
            for (long at = 0; at < info.byteLength(); at += 4L * floats) {
                out.add(new Range(info.name(), at, Math.min(4L * floats, info.byteLength() - at), out.size()));
            }
        }
        return out;
    }

    @Test
    void everyBlockSeesItsOwnBytesAndMergesFollowBlockOrder() {
        try (MemorySource src = new MemorySource()) {
            double[] a = src.addRandom("a", Dtype.F32, new long[] {37, 11}, new Random(3));
            double[] b = src.addRandom("b", Dtype.F32, new long[] {5}, new Random(4));
            List<Range> blocks = blocks(src, 7);
            for (int parallelism : new int[] {1, 3}) {
                // Each block reports its index and first element; the merge concatenates left then right.
                List<double[]> seen = BlockPass.run(src, blocks, parallelism, "stats", Progress.NONE,
                    (r, bytes) -> new ArrayList<>(List.of(new double[] {r.index(), bytes.get(F32, 0), bytes.byteSize()})),
                    (left, right) -> {
                        left.addAll(right);
                        return left;
                    }).orElseThrow();
                assertEquals(blocks.size(), seen.size());
                for (int i = 0; i < seen.size(); i++) {
                    Range r = blocks.get(i);
                    double[] values = r.tensor().equals("a") ? a : b;
                    assertEquals(i, (int) seen.get(i)[0], "merge order");
                    assertEquals((float) values[(int) (r.byteOffset() / 4)], seen.get(i)[1], "first element of block " + i);
                    assertEquals(r.byteLength(), (long) seen.get(i)[2]);
                }
            }
        }
    }

    @Test
    void floatingPointSumsAreTheSameOnEveryRun() {
        try (MemorySource src = new MemorySource()) {
            src.addRandom("w", Dtype.F32, new long[] {300, 97}, new Random(5));
            List<Range> blocks = blocks(src, 13);
            List<Double> sums = IntStream.range(0, 5).mapToObj(run -> BlockPass.run(src, blocks, 2, "stats", Progress.NONE,
                (r, bytes) -> {
                    double s = 0;
                    for (long i = 0; i < bytes.byteSize() / 4; i++) s += bytes.getAtIndex(F32, i) * 1e-3;
                    return s;
                }, Double::sum).orElseThrow()).toList();
            assertTrue(sums.stream().distinct().count() == 1, sums.toString());
        }
    }

    @Test
    void progressCountsEveryByteAndEachTensorOnce() {
        try (MemorySource src = new MemorySource()) {
            src.addRandom("a", Dtype.F32, new long[] {40, 3}, new Random(1));
            src.addRandom("b", Dtype.F32, new long[] {9}, new Random(2));
            AtomicLong bytes = new AtomicLong();
            AtomicLong tensors = new AtomicLong();
            List<String> phases = new ArrayList<>();
            Progress progress = new Progress() {
                @Override public void start(String phase, long totalBytes, int totalTensors) {
                    phases.add(phase + " " + totalBytes + " " + totalTensors);
                }

                @Override public void advance(long b, int t) {
                    bytes.addAndGet(b);
                    tensors.addAndGet(t);
                }

                @Override public void finish() { phases.add("finish"); }
            };
            BlockPass.run(src, blocks(src, 5), 2, "stats", progress, (r, seg) -> 0, Integer::sum);
            assertEquals(List.of("stats " + (4 * 129) + " 2", "finish"), phases);
            assertEquals(4 * 129, bytes.get());
            assertEquals(2, tensors.get());
        }
    }

    @Test
    void noBlocksIsEmpty() {
        try (MemorySource src = new MemorySource()) {
            assertTrue(BlockPass.run(src, List.<Range>of(), 2, "stats", Progress.NONE, (r, b) -> 1, Integer::sum).isEmpty());
        }
    }

}
