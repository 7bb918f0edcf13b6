package dev.wisca.rescale.verify;

import dev.wisca.io.Dtype;
import dev.wisca.io.TensorInfo;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The unit roundoff charged to each tensor when comparing checkpoint A with checkpoint B:
 * {@code u = 2^-(m_A+1) + 2^-(m_B+1)} with m the explicit mantissa bits of each side's stored dtype,
 * the most that rounding a value into either dtype moves it (relative). Symmetric, so it does not
 * matter which side is the original.
 */
final class Roundoff {
    private final Map<String, Double> byTensor = new HashMap<>();

    Roundoff(List<TensorInfo> a, List<TensorInfo> b) {
        Map<String, Dtype> bTypes = new HashMap<>();
        for (TensorInfo t : b) bTypes.put(t.name(), t.dtype());
        for (TensorInfo t : a) {
            Dtype other = bTypes.getOrDefault(t.name(), t.dtype());
            byTensor.put(t.name(), unit(t.dtype()) + unit(other));
        }
    }

    /** 2^-(m+1) for a float dtype, 0 for integer and boolean dtypes (stored exactly). */
    static double unit(Dtype dtype) {
        return dtype.isFloat() ? Math.scalb(1.0, -(dtype.mantissaBits() + 1)) : 0;
    }

    double of(String tensor) { return byTensor.getOrDefault(tensor, 0.0); }
}
