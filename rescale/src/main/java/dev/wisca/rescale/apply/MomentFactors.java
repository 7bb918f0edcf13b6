package dev.wisca.rescale.apply;

import dev.wisca.io.WiscaException;
import dev.wisca.io.TensorInfo;
import dev.wisca.rescale.plan.TensorFactors;
import java.util.Arrays;

/**
 * Adam moments follow their parameter: after {@code W → r·W·c} the gradient is {@code g/(r c)}, so
 * consistent moments are {@code m/(r c)} (power 1) and {@code v/(r c)²} (power 2). For an offset
 * gain the moment belongs to w, whose gradient scales by 1/r like any other: no offset applies.
 */
public final class MomentFactors {
    private MomentFactors() {}

    /**
     * @param parameter the parameter's factors
     * @param moment    the moment tensor (same shape as the parameter; any float dtype)
     * @param power     1 for the first moment, 2 for the second
     */
    public static TensorFactors of(TensorFactors parameter, TensorInfo moment, int power) {
        if (power != 1 && power != 2) throw new IllegalArgumentException("moment power must be 1 or 2");
        if (!Arrays.equals(parameter.shape(), moment.shape())) {
            throw WiscaException.invalidArgument(moment.name() + ": moment shape " + Arrays.toString(moment.shape())
                + " differs from its parameter's " + Arrays.toString(parameter.shape()));
        }
        return new TensorFactors(moment.name(), moment.dtype(), moment.shape(),
            inversePower(parameter.rows(), power), inversePower(parameter.cols(), power), false);
    }

    private static double[] inversePower(double[] v, int power) {
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) out[i] = power == 1 ? 1.0 / v[i] : 1.0 / (v[i] * v[i]);
        return out;
    }
}
