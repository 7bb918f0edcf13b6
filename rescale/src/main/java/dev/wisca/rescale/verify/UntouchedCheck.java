package dev.wisca.rescale.verify;

import dev.wisca.io.Tensor;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.TensorSource;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;

/**
 * No rescale may change a tensor that no symmetry site touches: such tensors must be present in
 * both checkpoints with the same dtype, shape and bytes. Tensors a site touches must keep their
 * name and shape (their dtype may change). Reports the first tensor, in A's order, that breaks this.
 */
final class UntouchedCheck {
    static final String BLOCK = "untouched tensors";

    private UntouchedCheck() {}

    static BlockResult run(String label, TensorSource a, TensorSource b, Set<String> touched) {
        String block = label.isEmpty() ? BLOCK : label + " " + BLOCK;
        Map<String, TensorInfo> inB = new HashMap<>();
        for (TensorInfo t : b.tensors()) inB.put(t.name(), t);
        long compared = 0;
        for (TensorInfo ta : a.tensors()) {
            TensorInfo tb = inB.remove(ta.name());
            if (tb == null) return BlockResult.failed(block, -1, ta.name() + " is in A but not in B");
            if (!Arrays.equals(ta.shape(), tb.shape())) {
                return BlockResult.failed(block, -1, ta.name() + " has shape " + Arrays.toString(ta.shape()) + " in A but " + Arrays.toString(tb.shape()) + " in B");
            }
            if (touched.contains(ta.name())) continue;
            compared++;
            if (ta.dtype() != tb.dtype()) {
                return BlockResult.failed(block, -1, ta.name() + " is touched by no site but its dtype changed (" + ta.dtype() + " → " + tb.dtype() + ")");
            }
            Tensor x = a.tensor(ta.name());
            Tensor y = b.tensor(ta.name());
            long at = x.data().mismatch(y.data());
            if (at >= 0) {
                return BlockResult.failed(block, -1, ta.name() + " is touched by no site but differs from byte " + at + " on");
            }
        }
        if (!inB.isEmpty()) {
            String extra = inB.keySet().stream().sorted().findFirst().orElseThrow();
            return BlockResult.failed(block, -1, extra + " is in B but not in A");
        }
        return BlockResult.passed(block, -1, compared, compared + " tensors bit-identical");
    }
}
