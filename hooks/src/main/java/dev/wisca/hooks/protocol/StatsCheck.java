package dev.wisca.hooks.protocol;

import dev.wisca.hooks.protocol.Messages.StatVectors;
import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.io.codec.Codecs;

/**
 * Statistics a client sends are checked before the solver sees them: every value finite, the
 * absolute sums, square sums and maxima non-negative, the maxima within what the tensor's dtype
 * holds, each sum within {@code count} times that, and each maximum at most its absolute sum.
 * A violation is INVALID_ARGUMENT naming the request, the vector and the index (a diverged run's
 * NaN included: rescaling a model with non-finite weights cannot be function-preserving).
 */
final class StatsCheck {
    private StatsCheck() {}

    /** @param count elements summed per index */
    static void check(StatVectors v, String tensor, Dtype dtype, long count) {
        double max = largest(dtype);
        double n = (double) count;
        for (int i = 0; i < v.sum().length; i++) {
            double sum = v.sum()[i], abs = v.absSum()[i], sq = v.sqSum()[i], peak = v.absMax()[i];
            if (!Double.isFinite(sum)) throw bad(v, tensor, "sum", i, sum, "is not finite");
            requireMagnitude(v, tensor, "absSum", i, abs, n * max);
            requireMagnitude(v, tensor, "sqSum", i, sq, n * max * max);
            requireMagnitude(v, tensor, "absMax", i, peak, max);
            if (Math.abs(sum) > abs * (1 + 1e-6) + Double.MIN_NORMAL) throw bad(v, tensor, "sum", i, sum, "exceeds absSum " + abs + " in magnitude");
            if (peak > abs * (1 + 1e-6) + Double.MIN_NORMAL) throw bad(v, tensor, "absMax", i, peak, "exceeds absSum " + abs);
        }
    }

    private static void requireMagnitude(StatVectors v, String tensor, String name, int i, double value, double limit) {
        if (!Double.isFinite(value)) throw bad(v, tensor, name, i, value, "is not finite");
        if (value < 0) throw bad(v, tensor, name, i, value, "is negative");
        if (value > limit) throw bad(v, tensor, name, i, value, "is more than the tensor's dtype can hold (at most " + limit + ")");
    }

    /** The largest finite magnitude of {@code dtype} (the largest double for a dtype without a float codec). */
    static double largest(Dtype dtype) {
        if (!dtype.isFloat() || !Codecs.hasCodec(dtype)) return Double.MAX_VALUE;
        return Codecs.maxFinite(dtype);
    }

    private static WiscaException bad(StatVectors v, String tensor, String vector, int index, double value, String why) {
        return new WiscaException(ErrorKind.INVALID_ARGUMENT, null, tensor,
            "solve: request " + v.id() + ": " + vector + "[" + index + "] = " + value + " " + why);
    }
}
