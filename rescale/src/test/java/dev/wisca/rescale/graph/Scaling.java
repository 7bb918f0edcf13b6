package dev.wisca.rescale.graph;

import dev.wisca.rescale.synth.TinyModel;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Test-side application of site scales to a tiny model's values with plain double loops. */
final class Scaling {
    private Scaling() {}

    /** A copy of the model's values. */
    static Map<String, double[]> values(TinyModel m) {
        Map<String, double[]> out = new HashMap<>();
        for (TinyModel.TinyTensor t : m.tensors()) out.put(t.name(), t.values().clone());
        return out;
    }

    static Map<String, long[]> shapes(TinyModel m) {
        Map<String, long[]> out = new HashMap<>();
        for (TinyModel.TinyTensor t : m.tensors()) out.put(t.name(), t.shape());
        return out;
    }

    /** Random scales in [0.5, 2) per channel of every site. */
    static Map<String, double[]> randomScales(List<Site> sites, long seed) {
        Random r = new Random(seed);
        Map<String, double[]> out = new HashMap<>();
        for (Site s : sites) {
            double[] v = new double[s.channels()];
            for (int c = 0; c < v.length; c++) v[c] = 0.5 + 1.5 * r.nextDouble();
            out.put(s.id(), v);
        }
        return out;
    }

    static void apply(Map<String, double[]> values, Map<String, long[]> shapes, List<Site> sites, Map<String, double[]> scales) {
        for (Site s : sites) {
            for (Member m : s.members()) apply(values.get(m.tensor()), shapes.get(m.tensor()), m, scales.get(s.id()));
        }
    }

    static void apply(double[] v, long[] shape, Member m, double[] s) {
        if (v == null) throw new AssertionError("no tensor " + m.tensor());
        int offset = 0;
        long[] mat = shape;
        if (m.batch() >= 0) {
            mat = new long[] {shape[1], shape[2]};
            offset = (int) (m.batch() * shape[1] * shape[2]);
        }
        int rows = (int) mat[0];
        int cols = mat.length == 2 ? (int) mat[1] : 1;
        int along = m.axis() == Axis.ROWS ? rows : cols;
        if (along != m.length()) throw new AssertionError(m + " has length " + m.length() + " but axis is " + along);
        for (int r = 0; r < rows; r++) {
            for (int c = 0; c < cols; c++) {
                int ch = m.channel(m.axis() == Axis.ROWS ? r : c);
                if (ch < 0) continue;
                double f = m.exponent() > 0 ? s[ch] : 1 / s[ch];
                int i = offset + r * cols + c;
                v[i] = m.offsetGain() ? (1 + v[i]) * f - 1 : v[i] * f;
            }
        }
    }
}
