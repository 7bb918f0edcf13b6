package dev.wisca.rescale.lora;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;

/**
 * Balanced refactorization of a LoRA pair: new factors with the same product BA whose i-th
 * singular direction has equal norm in both, ‖A'_i‖ = ‖B'_i‖ = √σ_i. With B = Q_B R_B and
 * Aᵀ = Q_A R_A (thin QR) and R_B R_Aᵀ = U Σ Vᵀ, B' = Q_B U Σ^½ and A' = Σ^½ Vᵀ Q_Aᵀ, so
 * B'A' = Q_B U Σ Vᵀ Q_Aᵀ = Q_B R_B R_Aᵀ Q_Aᵀ = BA. Computed in double.
 */
public final class LoraRefactor {
    private LoraRefactor() {}

    /** The refactored pair: {@code a} [r, in], {@code b} [out, r], rank directions by descending σ. */
    public record Factors(double[][] a, double[][] b, double[] singularValues) {}

    /** @param a [r, in] row-major, @param b [out, r] row-major; needs in ≥ r and out ≥ r. */
    public static Factors balance(double[][] a, double[][] b) {
        int r = a.length;
        if (r == 0 || b.length == 0 || b[0].length != r) {
            throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null, "LoRA factors do not match: A has " + r + " rows, B has "
                + (b.length == 0 ? 0 : b[0].length) + " columns");
        }
        if (a[0].length < r || b.length < r) {
            throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null, "LoRA rank " + r + " exceeds a factor's other dimension");
        }
        DenseLinalg.Qr qb = DenseLinalg.qr(b);
        DenseLinalg.Qr qa = DenseLinalg.qr(DenseLinalg.transpose(a));
        DenseLinalg.Svd svd = DenseLinalg.svd(DenseLinalg.multiply(qb.r(), DenseLinalg.transpose(qa.r())));
        double[][] root = new double[r][r];
        for (int i = 0; i < r; i++) root[i][i] = Math.sqrt(svd.s()[i]);
        double[][] bNew = DenseLinalg.multiply(DenseLinalg.multiply(qb.q(), svd.u()), root);
        double[][] aNew = DenseLinalg.multiply(DenseLinalg.multiply(root, DenseLinalg.transpose(svd.v())), DenseLinalg.transpose(qa.q()));
        return new Factors(aNew, bNew, svd.s().clone());
    }
}
