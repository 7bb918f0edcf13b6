package dev.wisca.rescale.pass;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wisca.io.Dtype;
import dev.wisca.rescale.Progress;
import dev.wisca.rescale.fixtures.MemorySource;
import java.lang.foreign.MemorySegment;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BlockBuffersTest {
    /** Starts each test with no idle buffer (other tests' passes leave some). */
    @BeforeEach
    void drain() {
        while (BlockBuffers.idle() > 0) BlockBuffers.take(1);
    }

    @Test
    void aReturnedBufferIsHandedOutAgainMostRecentFirst() {
        MemorySegment first = BlockBuffers.take(100);
        MemorySegment second = BlockBuffers.take(BlockBuffers.STANDARD);
        assertNotEquals(first.address(), second.address());
        assertEquals(BlockBuffers.STANDARD, first.byteSize());
        assertEquals(0, first.address() % 64, "64-byte aligned for the vector loads");
        BlockBuffers.giveBack(first);
        BlockBuffers.giveBack(second);
        assertEquals(2, BlockBuffers.idle());
        assertEquals(second.address(), BlockBuffers.take(10).address());
        assertEquals(first.address(), BlockBuffers.take(10).address());
        assertEquals(0, BlockBuffers.idle());
    }

    @Test
    void anOversizedBufferIsItsOwnAndNotKept() {
        MemorySegment big = BlockBuffers.take(BlockBuffers.STANDARD + 1);
        assertEquals(BlockBuffers.STANDARD + 1, big.byteSize());
        BlockBuffers.giveBack(big);
        assertEquals(0, BlockBuffers.idle());
    }

    @Test
    void atMostOneIdleBufferPerCoreIsKept() {
        List<MemorySegment> taken = new ArrayList<>();
        for (int i = 0; i < BlockBuffers.KEPT + 3; i++) taken.add(BlockBuffers.take(8));
        taken.forEach(BlockBuffers::giveBack);
        assertEquals(BlockBuffers.KEPT, BlockBuffers.idle());
    }

    @Test
    void aSecondPassReadsIntoTheFirstPassesBuffers() {
        try (MemorySource src = new MemorySource()) {
            src.addRandom("a", Dtype.F32, new long[] {64, 33}, new Random(5));
            List<BlockPassTest.Range> blocks = BlockPassTest.blocks(src, 100);
            List<Set<Long>> addresses = new ArrayList<>();
            for (int pass = 0; pass < 2; pass++) {
                Set<Long> seen = new HashSet<>();
                BlockPass.run(src, blocks, 2, "stats", Progress.NONE, (r, bytes) -> {
                    synchronized (seen) {
                        seen.add(bytes.address());
                    }
                    return 0;
                }, Integer::sum);
                addresses.add(seen);
            }
            assertTrue(addresses.get(1).stream().allMatch(addresses.get(0)::contains),
                "pass 2 read into " + addresses.get(1) + ", pass 1 had " + addresses.get(0));
            assertTrue(BlockBuffers.idle() >= 1 && BlockBuffers.idle() <= 2, "idle after the passes: " + BlockBuffers.idle());
        }
    }
}
