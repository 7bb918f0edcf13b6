package dev.wisca.rescale.apply;

import dev.wisca.io.Dtype;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.codec.ExponentShift;
import dev.wisca.io.inplace.Pow2Scaling;
import dev.wisca.rescale.plan.TensorFactors;
import java.util.Arrays;
import java.util.Optional;

/**
 * Which planned tensors an in-place rewrite may journal by their scaling alone: bf16/f16 tensors whose
 * every row and column factor is a power of two (the paper defaults for 16-bit weights), not offset
 * gains ({@code (1 + w)·r − 1} is no exponent shift), stored element-aligned in the file (so no element
 * straddles a sector). Whether every element then scales exactly is the data's question, answered by
 * {@link Pow2Scaling#scale} in the journal's pre-pass.
 */
final class ExactScalings {
    private ExactScalings() {}

    /** The exponents of {@code factors} for {@code info} stored at {@code fileOffset}, if it qualifies. */
    static Optional<Pow2Scaling> of(TensorInfo info, TensorFactors factors, long fileOffset) {
        int mantissaBits = switch (info.dtype()) {
            case BF16 -> 7;
            case F16 -> 10;
            default -> -1;
        };
        long[] shape = info.shape();
        if (mantissaBits < 0 || factors.offsetGain() || factors.dtype() != info.dtype() || !Arrays.equals(shape, factors.shape())
            || fileOffset % Pow2Scaling.ELEMENT_BYTES != 0 || shape.length < 1 || shape.length > 3 || info.byteLength() == 0) {
            return Optional.empty();
        }
        int[] rows = exponents(factors.rows());
        int[] cols = exponents(factors.cols());
        if (rows == null || cols == null) return Optional.empty();
        long rowsPerBatch = shape.length == 3 ? shape[1] : shape[0];
        long colsPerRow = shape.length == 1 ? 1 : shape[shape.length - 1];
        return Optional.of(new Pow2Scaling(mantissaBits, rowsPerBatch, colsPerRow, rows, cols));
    }

    private static int[] exponents(double[] factors) {
        int[] exponents = new int[factors.length];
        for (int i = 0; i < factors.length; i++) {
            exponents[i] = ExponentShift.exponentOf(factors[i]);
            if (exponents[i] == ExponentShift.NONE) return null;
        }
        return exponents;
    }
}
