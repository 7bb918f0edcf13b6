package dev.wisca.rescale.verify;

import dev.wisca.io.Tensor;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.TensorSource;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The float tensors of A that B stores differently (other bytes or another dtype), each with the
 * relative rounding error re-storing it can introduce: u = max(2^-(m_A+1), 2^-(m_B+1)) with m the
 * mantissa bits of each side's dtype. Which side was rescaled does not matter: a rescale of A into B
 * re-rounds into B's dtype, one of B into A into A's. Tensors B lacks, or holds with another shape,
 * are left to the untouched-tensor check.
 */
record ChangedTensors(Map<String, Double> relative) {
    ChangedTensors {
        relative = Map.copyOf(relative);
    }

    static ChangedTensors between(TensorSource a, TensorSource b) {
        Map<String, Double> out = new LinkedHashMap<>();
        for (TensorInfo ta : a.tensors()) {
            if (!ta.dtype().isFloat()) continue;
            Optional<Tensor> tb = b.find(ta.name());
            if (tb.isEmpty() || !Arrays.equals(ta.shape(), tb.get().shape())) continue;
            boolean same = ta.dtype() == tb.get().dtype() && a.tensor(ta.name()).data().mismatch(tb.get().data()) < 0;
            if (!same) out.put(ta.name(), Math.max(Roundoff.unit(ta.dtype()), Roundoff.unit(tb.get().dtype())));
        }
        return new ChangedTensors(out);
    }

    boolean isEmpty() { return relative.isEmpty(); }

    int count() { return relative.size(); }

    /** The largest u of any changed tensor (0 when none changed). */
    double largest() { return relative.values().stream().mapToDouble(Double::doubleValue).max().orElse(0); }
}
