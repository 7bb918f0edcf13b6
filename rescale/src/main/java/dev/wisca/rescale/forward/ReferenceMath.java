package dev.wisca.rescale.forward;

import dev.wisca.rescale.forward.ReferenceWeights.Mat;
import dev.wisca.rescale.spec.NormKind;

/** The building blocks of the reference forward pass, as plain loops over doubles. */
public final class ReferenceMath {
    private ReferenceMath() {}

    /** RMSNorm x / √(mean(x²) + eps) · g, or · (1 + g) for {@link NormKind#RMS_OFFSET}. */
    public static double[] rmsNorm(double[] x, double[] gain, double eps, boolean offsetGain) {
        double sumSq = 0;
        for (double v : x) sumSq += v * v;
        double inv = 1 / Math.sqrt(sumSq / x.length + eps);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = x[i] * inv * (offsetGain ? 1 + gain[i] : gain[i]);
        return y;
    }

    /** LayerNorm (x − mean) / √(var + eps) · g + b with the biased variance; b may be null. */
    public static double[] layerNorm(double[] x, double[] gain, double[] bias, double eps) {
        double mean = 0;
        for (double v : x) mean += v;
        mean /= x.length;
        double var = 0;
        for (double v : x) var += (v - mean) * (v - mean);
        var /= x.length;
        double inv = 1 / Math.sqrt(var + eps);
        double[] y = new double[x.length];
        for (int i = 0; i < x.length; i++) y[i] = (x[i] - mean) * inv * gain[i] + (bias == null ? 0 : bias[i]);
        return y;
    }

    /** Dispatches on the norm kind; {@code bias} only for LayerNorm (may be null). */
    public static double[] norm(NormKind kind, double[] x, double[] gain, double[] bias, double eps) {
        return switch (kind) {
            case RMS -> rmsNorm(x, gain, eps, false);
            case RMS_OFFSET -> rmsNorm(x, gain, eps, true);
            case LAYERNORM -> layerNorm(x, gain, bias, eps);
        };
    }

    /** W x + b for W [out, in]; b may be null. */
    static double[] linear(Mat w, double[] x, double[] b) {
        if (x.length != w.cols()) throw new IllegalArgumentException("input " + x.length + " for a " + w.rows() + "×" + w.cols() + " weight");
        double[] y = new double[w.rows()];
        for (int r = 0; r < w.rows(); r++) {
            double s = b == null ? 0 : b[r];
            int base = r * w.cols();
            for (int c = 0; c < w.cols(); c++) s += w.v()[base + c] * x[c];
            y[r] = s;
        }
        return y;
    }

    /** Softmax of {@code x[0, n)} in place, max-shifted. */
    public static void softmax(double[] x, int n) {
        double max = Double.NEGATIVE_INFINITY;
        for (int i = 0; i < n; i++) max = Math.max(max, x[i]);
        double sum = 0;
        for (int i = 0; i < n; i++) {
            x[i] = Math.exp(x[i] - max);
            sum += x[i];
        }
        for (int i = 0; i < n; i++) x[i] /= sum;
    }

    /** cap · tanh(x / cap), or x when cap is 0. */
    public static double softcap(double x, double cap) { return cap == 0 ? x : cap * Math.tanh(x / cap); }

    static double sigmoid(double x) { return 1 / (1 + Math.exp(-x)); }
}
