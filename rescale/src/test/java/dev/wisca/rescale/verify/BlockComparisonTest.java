package dev.wisca.rescale.verify;

import dev.wisca.io.WiscaException;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.OptionalDouble;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BlockComparisonTest {
    private static BlockOutput out(double[] v, double[] var) { return new BlockOutput("b", 2, v, var); }

    @Test
    void derivedBoundIsEightSigmaPlusRelativeFloor() {
        BlockOutput a = out(new double[] {10, -4}, new double[] {1e-6, 4e-6});
        // bound at output 1: 8·2e-3 + 1e-12·10; |Δ| = 8e-3 → ratio ≈ 0.5
        BlockOutput b = out(new double[] {10, -4 + 8e-3}, new double[2]);
        BlockResult r = BlockComparison.compare(a, b, Tolerance.derived());
        assertTrue(r.ok());
        assertEquals(8e-3, r.maxAbs(), 1e-15);
        assertEquals(8e-4, r.maxRel(), 1e-15);
        assertEquals(0.5, r.ratio(), 1e-9);
        assertEquals(8 * 2e-3 + 1e-11, r.tolerance(), 1e-15);
    }

    @Test
    void differenceBeyondTheBoundFails() {
        BlockOutput a = out(new double[] {1, 2}, new double[] {1e-8, 1e-8});
        BlockResult r = BlockComparison.compare(a, out(new double[] {1, 2.001}, new double[2]), Tolerance.derived());
        assertFalse(r.ok());
        assertEquals(0.001 / (8e-4 + 2e-12), r.ratio(), 1e-6);
    }

    @Test
    void exactInputsAllowOnlyTheArithmeticFloor() {
        BlockOutput a = out(new double[] {3}, new double[1]);
        assertTrue(BlockComparison.compare(a, out(new double[] {3}, new double[1]), Tolerance.derived()).ok());
        assertFalse(BlockComparison.compare(a, out(new double[] {3 + 1e-9}, new double[1]), Tolerance.derived()).ok());
    }

    @Test
    void userToleranceIsAbsolutePlusRelativeToTheBlockScale() {
        BlockOutput a = out(new double[] {100, 1}, new double[2]);
        Tolerance t = new Tolerance.Fixed(0.5, 0.01);
        assertTrue(BlockComparison.compare(a, out(new double[] {100, 2.49}, new double[2]), t).ok());
        assertFalse(BlockComparison.compare(a, out(new double[] {100, 2.51}, new double[2]), t).ok());
        assertThrows(WiscaException.class, () -> new Tolerance.Fixed(-1, 0));
    }

    @Test
    void nanOnOneSideFailsAndOnBothSidesMatches() {
        BlockOutput a = out(new double[] {Double.NaN, 1}, new double[2]);
        assertTrue(BlockComparison.compare(a, out(new double[] {Double.NaN, 1}, new double[2]), Tolerance.derived()).ok());
        BlockResult r = BlockComparison.compare(a, out(new double[] {0, 1}, new double[2]), Tolerance.derived());
        assertFalse(r.ok());
        assertEquals(Double.POSITIVE_INFINITY, r.maxAbs());
    }

    @Test
    void reportNamesTheFirstOffendingBlockAndSerializes() {
        BlockResult good = BlockResult.passed("layers.0.mlp", 0, 4, "");
        BlockResult bad = new BlockResult("layers.3.qk head 5", 3, 8, 0.2, 0.1, 1e-3, 200, false, "");
        BlockResult worse = new BlockResult("layers.4.mlp", 4, 8, 0.9, 0.4, 1e-3, 900, false, "");
        VerifyReport r = VerifyReport.of(VerifyOptions.Mode.PROBES, "llama", OptionalDouble.empty(), "rule", List.of(good, bad, worse));
        assertFalse(r.equivalent());
        assertEquals(1, r.exitCode());
        assertEquals("layers.3.qk head 5", r.firstOffending().orElseThrow().block());
        assertEquals("layers.4.mlp", r.worst().orElseThrow().block());
        assertEquals(0.9, r.maxAbs());
        assertTrue(r.summary().startsWith("NOT EQUIVALENT (probes, llama, 3 blocks)"), r.summary());
        assertTrue(r.summary().contains("first offending: layers.3.qk head 5"), r.summary());
        var json = r.toJsonTree();
        assertEquals("layers.3.qk head 5", json.get("first_offending").asText());
        assertEquals(3, json.get("blocks").size());
        assertTrue(json.get("argmax_agreement").isNull());
    }
}
