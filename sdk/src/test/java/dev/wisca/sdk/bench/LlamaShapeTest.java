package dev.wisca.sdk.bench;

import dev.wisca.io.Dtype;
import dev.wisca.io.TensorSpec;
import org.junit.jupiter.api.Test;

import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LlamaShapeTest {
    /** Elements of one layer counted by hand: q, o (h×h), k, v (kv·hd×h), gate, up, down (h×inter), two norms. */
    private static long layerElements(LlamaShape s) {
        long h = s.hidden();
        long kvRows = (long) s.kvHeads() * (h / s.heads());
        return 2 * h * h + 2 * kvRows * h + 3 * h * s.intermediate() + 2 * h;
    }

    /** Embedding, lm_head (untied) and the final norm. */
    private static long fixedElements(LlamaShape s) {
        return 2L * s.vocab() * s.hidden() + s.hidden();
    }

    private static long expectedBytes(LlamaShape s) {
        return (fixedElements(s) + s.layers() * layerElements(s)) * s.dtype().byteSize();
    }

    @Test
    void oneGigabyteOfBf16IsEightFullWidthLayers() {
        LlamaShape s = LlamaShape.forSize(1_000_000_000L, Dtype.BF16);
        assertEquals(new LlamaShape(2048, 16, 4, 5632, 32000, 8, Dtype.BF16), s);
        assertEquals(expectedBytes(s), s.byteSize());
        assertTrue(Math.abs(s.byteSize() - 1_000_000_000L) <= layerElements(s) * 2 / 2, "within half a layer: " + s.byteSize());
    }

    @Test
    void f32DoublesTheBytesSoHalvesTheLayers() {
        LlamaShape s = LlamaShape.forSize(1_000_000_000L, Dtype.F32);
        assertEquals(2048, s.hidden());
        assertEquals(expectedBytes(s), s.byteSize());
        assertTrue(Math.abs(s.byteSize() - 1_000_000_000L) <= layerElements(s) * 4 / 2, "within half a layer: " + s.byteSize());
    }

    @Test
    void smallTargetsNarrowTheModelKeepingItsProportions() {
        LlamaShape s = LlamaShape.forSize(4_000_000L, Dtype.BF16);
        assertTrue(s.hidden() < 2048 && s.layers() >= 1, s.toString());
        assertEquals(16, s.heads());
        assertEquals(4, s.kvHeads());
        assertEquals(s.hidden() * 11 / 4, s.intermediate());
        assertEquals(expectedBytes(s), s.byteSize());
        assertTrue(Math.abs(s.byteSize() - 4_000_000L) <= layerElements(s) * 2 / 2, "within half a layer: " + s.byteSize());
        LlamaShape wider = LlamaShape.ofWidth(s.hidden() * 2, 1, Dtype.BF16);
        assertTrue(wider.byteSize() > 4_000_000L, "the next width would not fit one layer");
    }

    @Test
    void tinyTargetsStillGetOneLayerAtTheSmallestWidth() {
        LlamaShape s = LlamaShape.forSize(1000, Dtype.F16);
        assertEquals(64, s.hidden());
        assertEquals(1, s.layers());
    }

    @Test
    void tensorsComeFromTheLlamaSpecWithMatchingShapes() {
        LlamaShape s = LlamaShape.forSize(4_000_000L, Dtype.F32);
        List<LlamaShape.Member> members = s.tensors();
        assertEquals(3 + 9 * s.layers(), members.size());
        long norms = members.stream().filter(LlamaShape.Member::normGain).count();
        assertEquals(1 + 2L * s.layers(), norms);
        for (LlamaShape.Member m : members) {
            TensorSpec t = m.spec();
            assertEquals(Dtype.F32, t.dtype());
            assertEquals(m.normGain(), t.shape().length == 1, t.toString());
            long[] shape = t.shape();
            if (shape.length == 2) {
                assertTrue(Arrays.stream(shape).allMatch(d -> d == s.hidden() || d == s.intermediate() || d == s.vocab()
                    || d == (long) s.kvHeads() * s.hidden() / s.heads()), t.toString());
            }
        }
    }
}
