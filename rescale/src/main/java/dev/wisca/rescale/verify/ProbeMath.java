package dev.wisca.rescale.verify;

import dev.wisca.rescale.forward.Activation;
import dev.wisca.rescale.forward.Rope;
import dev.wisca.rescale.spec.MlpKind;
import dev.wisca.rescale.spec.RopePairing;

/**
 * The arithmetic of the probes, on {@link Noisy} vectors: every operation returns its value and the
 * propagated rounding variance. All in double; {@code u} is the unit roundoff charged to a tensor.
 */
final class ProbeMath {
    private ProbeMath() {}

    /** y = W x for every probe x, reading each row of W once. */
    static Noisy[] linear(StoredMatrix w, Noisy[] xs, double u) {
        return linear(w, xs, 0, u);
    }

    /** y = W[:, from .. from + x.length) x: the part of W that reads one head's slice of its input. */
    static Noisy[] linear(StoredMatrix w, Noisy[] xs, int fromCol, double u) {
        int rows = Math.toIntExact(w.rows());
        double[] row = new double[Math.toIntExact(w.cols())];
        Noisy[] ys = new Noisy[xs.length];
        for (int p = 0; p < xs.length; p++) ys[p] = Noisy.zeros(rows);
        double r = u * u / 3;
        for (int i = 0; i < rows; i++) {
            w.row(i, row);
            for (int p = 0; p < xs.length; p++) {
                double[] x = xs[p].value();
                double[] xv = xs[p].variance();
                double sum = 0;
                double var = 0;
                for (int j = 0; j < x.length; j++) {
                    double wj = row[fromCol + j];
                    double t = wj * x[j];
                    sum += t;
                    var += r * t * t + wj * wj * xv[j];
                }
                ys[p].value()[i] = sum;
                ys[p].variance()[i] = var;
            }
        }
        return ys;
    }

    /**
     * RoPE on one head at {@code position}: the value rotates; the variance of each rotated dim mixes
     * its own and its partner's by cos² and sin².
     */
    static Noisy rotate(Noisy head, Rope rope, RopePairing pairing, long position) {
        double[] v = head.value().clone();
        rope.rotate(v, 0, pairing, position);
        double[] s = head.variance().clone();
        int rot = rope.rotaryDims();
        for (int i = 0; i < rot / 2; i++) {
            int a = pairing.first(i, rot);
            int b = pairing.second(i, rot);
            double angle = rope.angle(i, position);
            double cos = Math.cos(angle);
            double sin = Math.sin(angle);
            double cos2 = cos * cos;
            double sin2 = sin * sin;
            s[a] = cos2 * head.variance()[a] + sin2 * head.variance()[b];
            s[b] = cos2 * head.variance()[b] + sin2 * head.variance()[a];
        }
        return new Noisy(v, s);
    }

    /** x + b (b a stored vector). */
    static Noisy[] addBias(Noisy[] xs, double[] b, double u) {
        Noisy[] out = new Noisy[xs.length];
        for (int p = 0; p < xs.length; p++) {
            double[] v = xs[p].value().clone();
            double[] s = xs[p].variance().clone();
            for (int i = 0; i < v.length; i++) {
                v[i] += b[i];
                s[i] += u * u * b[i] * b[i] / 3;
            }
            out[p] = new Noisy(v, s);
        }
        return out;
    }

    /** g ⊙ x, or (1 + g) ⊙ x for offset gains; the rounding error sits on the stored g. */
    static Noisy gain(Noisy x, double[] g, boolean offset, double u) {
        double[] v = new double[x.length()];
        double[] s = new double[x.length()];
        for (int i = 0; i < v.length; i++) {
            double gi = offset ? 1 + g[i] : g[i];
            v[i] = gi * x.value()[i];
            s[i] = gi * gi * x.variance()[i] + u * u * g[i] * g[i] * x.value()[i] * x.value()[i] / 3;
        }
        return new Noisy(v, s);
    }

    /** a ⊙ b. */
    static Noisy multiply(Noisy a, Noisy b) {
        double[] v = new double[a.length()];
        double[] s = new double[a.length()];
        for (int i = 0; i < v.length; i++) {
            double x = a.value()[i];
            double y = b.value()[i];
            v[i] = x * y;
            s[i] = y * y * a.variance()[i] + x * x * b.variance()[i];
        }
        return new Noisy(v, s);
    }

    /** The MLP activation (GELU kinds in the tanh approximation), with its derivative carrying the variance. */
    static Noisy activate(Noisy x, MlpKind kind) {
        Activation activation = switch (kind) {
            case GATED_SILU -> Activation.SILU;
            case GATED_GELU, GELU -> Activation.GELU_TANH;
            case RELU -> Activation.RELU;
        };
        double[] v = new double[x.length()];
        double[] s = new double[x.length()];
        for (int i = 0; i < v.length; i++) {
            double z = x.value()[i];
            double d = activation.derivative(z);
            v[i] = activation.apply(z);
            s[i] = d * d * x.variance()[i];
        }
        return new Noisy(v, s);
    }

    /** x − mean(x) (LayerNorm's centring, before {@link #rmsNormalize}); the mean is treated as exact. */
    static Noisy center(Noisy x) {
        double mean = 0;
        for (double v : x.value()) mean += v;
        mean /= x.length();
        double[] v = new double[x.length()];
        for (int i = 0; i < v.length; i++) v[i] = x.value()[i] - mean;
        return new Noisy(v, x.variance().clone());
    }

    /** Per-head RMS normalization (QK-norm before its gain); the normalizer is treated as exact. */
    static Noisy rmsNormalize(Noisy x, double eps) {
        double ms = 0;
        for (double v : x.value()) ms += v * v;
        double inv = 1 / Math.sqrt(ms / x.length() + eps);
        double[] v = new double[x.length()];
        double[] s = new double[x.length()];
        for (int i = 0; i < v.length; i++) {
            v[i] = x.value()[i] * inv;
            s[i] = x.variance()[i] * inv * inv;
        }
        return new Noisy(v, s);
    }

    /** a · b as a one-element vector. */
    static double[] dot(Noisy a, Noisy b) {
        double sum = 0;
        double var = 0;
        for (int i = 0; i < a.length(); i++) {
            double x = a.value()[i];
            double y = b.value()[i];
            sum += x * y;
            var += y * y * a.variance()[i] + x * x * b.variance()[i];
        }
        return new double[] {sum, var};
    }
}
