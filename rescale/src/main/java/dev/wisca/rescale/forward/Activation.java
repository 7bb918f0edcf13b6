package dev.wisca.rescale.forward;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;

/** The MLP activations of the supported families, named as in transformers' ACT2FN. */
public enum Activation {
    /** x · sigmoid(x). */
    SILU,
    /** Exact GELU: x · Φ(x) = x/2 · (1 + erf(x/√2)). */
    GELU_ERF,
    /** GELU, tanh approximation: x/2 · (1 + tanh(√(2/π) (x + 0.044715 x³))). */
    GELU_TANH,
    RELU;

    /** The constant √(2/π) of the tanh approximation. */
    public static final double GELU_TANH_C = Math.sqrt(2 / Math.PI);
    public static final double GELU_TANH_CUBIC = 0.044715;

    /** The activation transformers uses for an ACT2FN name. */
    public static Activation parse(String name) {
        return switch (name) {
            case "silu", "swish" -> SILU;
            case "gelu" -> GELU_ERF;
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast" -> GELU_TANH;
            case "relu" -> RELU;
            default -> throw new WiscaException(ErrorKind.INVALID_CONFIG, null, null, "activation '" + name
                + "' is not supported by the reference forward pass (silu, gelu, gelu_new, gelu_pytorch_tanh, relu)");
        };
    }

    /** This activation in plain double arithmetic (the reference implementation's). */
    public double apply(double x) {
        return switch (this) {
            case SILU -> x / (1 + Math.exp(-x));
            case GELU_ERF -> 0.5 * x * Erf.onePlusErf(x / Math.sqrt(2));
            case GELU_TANH -> 0.5 * x * (1 + Math.tanh(GELU_TANH_C * (x + GELU_TANH_CUBIC * x * x * x)));
            case RELU -> Math.max(x, 0);
        };
    }

    /** The slope of this activation at {@code x} (0 at the kink of RELU). */
    public double derivative(double x) {
        return switch (this) {
            case SILU -> {
                double sigmoid = 1 / (1 + Math.exp(-x));
                yield sigmoid * (1 + x * (1 - sigmoid));
            }
            // Φ(x) + x·φ(x)
            case GELU_ERF -> 0.5 * Erf.onePlusErf(x / Math.sqrt(2)) + x * Math.exp(-0.5 * x * x) / Math.sqrt(2 * Math.PI);
            case GELU_TANH -> {
                double t = Math.tanh(GELU_TANH_C * (x + GELU_TANH_CUBIC * x * x * x));
                yield 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * GELU_TANH_C * (1 + 3 * GELU_TANH_CUBIC * x * x);
            }
            case RELU -> x > 0 ? 1 : 0;
        };
    }
}
