package dev.wisca.rescale.forward;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.spec.NormKind;
import dev.wisca.rescale.spec.RopePairing;
import dev.wisca.rescale.spec.SpecReader;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

/** The reference's building blocks against values worked out by hand or from published tables. */
class ReferenceMathTest {
    private static final double EPS = 1e-15;

    @Test
    void rmsNormOfKnownVector() {
        double rms = Math.sqrt((9 + 16) / 2.0);
        assertArrayEquals(new double[] {3 / rms, 8 / rms}, ReferenceMath.rmsNorm(new double[] {3, 4}, new double[] {1, 2}, 0, false), EPS);
        assertArrayEquals(new double[] {3 / rms, 8 / rms}, ReferenceMath.norm(NormKind.RMS_OFFSET, new double[] {3, 4}, new double[] {0, 1}, null, 0), EPS);
        double withEps = Math.sqrt(12.5 + 0.5);
        assertArrayEquals(new double[] {3 / withEps, 4 / withEps}, ReferenceMath.rmsNorm(new double[] {3, 4}, new double[] {1, 1}, 0.5, false), EPS);
    }

    @Test
    void layerNormOfKnownVector() {
        double sd = Math.sqrt(2 / 3.0);
        assertArrayEquals(new double[] {-1 / sd, 0, 1 / sd + 1},
            ReferenceMath.layerNorm(new double[] {1, 2, 3}, new double[] {1, 1, 1}, new double[] {0, 0, 1}, 0), EPS);
    }

    @Test
    void ropeRotatesDimWithDimPlusHalf() {
        double[] x = {1, 2, 3, 4};
        new Rope(4, new double[] {Math.PI / 2, 0}).rotate(x, 0, RopePairing.ROTATE_HALF, 1);
        assertArrayEquals(new double[] {-3, 2, 1, 4}, x, 1e-15);
        double[] y = {9, 1, 0, 0, 0, 7};
        new Rope(4, new double[] {1, 0.01}).rotate(y, 1, RopePairing.ROTATE_HALF, 2);
        assertArrayEquals(new double[] {9, Math.cos(2), 0, Math.sin(2), 0, 7}, y, EPS);
    }

    @Test
    void interleavedRopeRotatesNeighbours() {
        double[] x = {1, 2, 3, 4};
        new Rope(4, new double[] {Math.PI / 2, 0}).rotate(x, 0, RopePairing.INTERLEAVED, 1);
        assertArrayEquals(new double[] {-2, 1, 3, 4}, x, 1e-15);
    }

    @Test
    void ropeFrequenciesAndScaling() {
        assertArrayEquals(new double[] {1, 0.01}, Rope.of(4, 10000, null).invFreq(), EPS);
        ObjectNode linear = SpecReader.mapper().createObjectNode().put("type", "linear").put("factor", 2.0);
        assertArrayEquals(new double[] {0.5, 0.005}, Rope.of(4, 10000, linear).invFreq(), EPS);
        // theta 10000, 6 rotary dims: wavelengths 2π, 2π·10000^(1/3) ≈ 135.4, 2π·10000^(2/3) ≈ 2916;
        // context 200 with low/high factors 1/4: bands > 200 (÷8), [50, 200] (smoothed), < 50 (kept)
        ObjectNode llama3 = SpecReader.mapper().createObjectNode().put("rope_type", "llama3").put("factor", 8.0)
            .put("low_freq_factor", 1.0).put("high_freq_factor", 4.0).put("original_max_position_embeddings", 200);
        double mid = Math.pow(10000, -1 / 3.0);
        double smooth = (200 / (2 * Math.PI / mid) - 1) / 3;
        double[] expected = {1, (1 - smooth) * mid / 8 + smooth * mid, Math.pow(10000, -2 / 3.0) / 8};
        assertArrayEquals(expected, Rope.of(6, 10000, llama3).invFreq(), 1e-17);
        ObjectNode yarn = SpecReader.mapper().createObjectNode().put("rope_type", "yarn").put("factor", 2.0);
        assertEquals(ErrorKind.INVALID_CONFIG, assertThrows(WiscaException.class, () -> Rope.of(4, 10000, yarn)).kind(),
            "yarn without original_max_position_embeddings");
        ObjectNode unknown = SpecReader.mapper().createObjectNode().put("rope_type", "proportional");
        assertEquals(ErrorKind.INVALID_CONFIG, assertThrows(WiscaException.class, () -> Rope.of(4, 10000, unknown)).kind());
    }

    @Test
    void erfMatchesTables() {
        assertEquals(0.5204998778130465, Erf.erf(0.5), 2e-16);
        assertEquals(0.8427007929497149, Erf.erf(1), 2e-16);
        assertEquals(-0.9953222650189527, Erf.erf(-2), 5e-16);
        assertEquals(0.9999992569016276, Erf.erf(3.5), 2e-16);
        assertEquals(1.5374597944280349e-12, Erf.onePlusErf(-5), 1e-26);
        assertEquals(0.004677734981047266, Erf.onePlusErf(-2), 1e-15);
    }

    @Test
    void activationsAtOne() {
        assertEquals(0.7310585786300049, Activation.SILU.apply(1), EPS);
        assertEquals(0.8413447460685429, Activation.GELU_ERF.apply(1), EPS);
        assertEquals(0.8411919906082768, Activation.GELU_TANH.apply(1), EPS);
        assertEquals(-0.15865525393145707, Activation.GELU_ERF.apply(-1), EPS);
        assertEquals(0, Activation.RELU.apply(-3), 0);
        assertEquals(ErrorKind.INVALID_CONFIG, assertThrows(WiscaException.class, () -> Activation.parse("quick_gelu")).kind());
    }

    @Test
    void activationDerivativesMatchCentralDifferences() {
        double h = 1e-5;
        for (Activation a : Activation.values()) {
            for (double x : new double[] {-4, -1.3, -0.2, 0.7, 2.5}) {
                double numeric = (a.apply(x + h) - a.apply(x - h)) / (2 * h);
                assertEquals(numeric, a.derivative(x), 1e-8, a + " at " + x);
            }
        }
    }

    @Test
    void softmaxAndSoftcap() {
        double[] p = {0, Math.log(3), 99};
        ReferenceMath.softmax(p, 2);
        assertArrayEquals(new double[] {0.25, 0.75, 99}, p, EPS);
        assertEquals(2 * Math.tanh(0.5), ReferenceMath.softcap(1, 2), EPS);
        assertEquals(5, ReferenceMath.softcap(5, 0), 0);
    }
}
