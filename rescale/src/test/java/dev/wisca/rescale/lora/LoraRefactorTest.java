package dev.wisca.rescale.lora;

import dev.wisca.io.WiscaException;
import org.junit.jupiter.api.Test;

import java.util.Random;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class LoraRefactorTest {
    static double[][] random(int rows, int cols, double scale, Random r) {
        double[][] m = new double[rows][cols];
        for (double[] row : m) for (int j = 0; j < cols; j++) row[j] = r.nextGaussian() * scale;
        return m;
    }

    /** B·A by plain triple loop. */
    static double[][] product(double[][] b, double[][] a) {
        double[][] out = new double[b.length][a[0].length];
        for (int i = 0; i < b.length; i++)
            for (int k = 0; k < a.length; k++)
                for (int j = 0; j < a[0].length; j++) out[i][j] += b[i][k] * a[k][j];
        return out;
    }

    static double maxDiff(double[][] x, double[][] y) {
        double d = 0;
        for (int i = 0; i < x.length; i++) for (int j = 0; j < x[0].length; j++) d = Math.max(d, Math.abs(x[i][j] - y[i][j]));
        return d;
    }

    static double maxAbs(double[][] x) { return maxDiff(x, new double[x.length][x[0].length]); }

    @Test
    void keepsTheProductAndBalancesEveryDirection() {
        Random r = new Random(5);
        for (int[] dims : new int[][] {{4, 24, 40}, {8, 64, 48}, {1, 5, 3}, {16, 16, 16}}) {
            int rank = dims[0], in = dims[1], out = dims[2];
            // deliberately unbalanced: A large, B small
            double[][] a = random(rank, in, 3.0, r);
            double[][] b = random(out, rank, 0.01, r);
            LoraRefactor.Factors f = LoraRefactor.balance(a, b);
            double[][] before = product(b, a);
            assertTrue(maxDiff(before, product(f.b(), f.a())) <= 1e-13 * maxAbs(before), "BA changed for " + java.util.Arrays.toString(dims));
            for (int i = 0; i < rank; i++) {
                double rowA = 0, colB = 0;
                for (int j = 0; j < in; j++) rowA += f.a()[i][j] * f.a()[i][j];
                for (int j = 0; j < out; j++) colB += f.b()[j][i] * f.b()[j][i];
                assertEquals(Math.sqrt(rowA), Math.sqrt(colB), 1e-12 * (1 + Math.sqrt(rowA)), "direction " + i);
                assertEquals(f.singularValues()[i], rowA, 1e-12 * (1 + rowA), "|A'_i|^2 = sigma_i");
                if (i > 0) assertTrue(f.singularValues()[i - 1] >= f.singularValues()[i]);
            }
        }
    }

    @Test
    void handlesRankDeficientAndZeroFactors() {
        Random r = new Random(9);
        double[][] a = random(4, 12, 1, r);
        double[][] b = random(10, 4, 1, r);
        for (double[] row : b) row[2] = row[1]; // rank 3
        LoraRefactor.Factors f = LoraRefactor.balance(a, b);
        assertTrue(maxDiff(product(b, a), product(f.b(), f.a())) < 1e-12 * maxAbs(product(b, a)));
        assertEquals(0, f.singularValues()[3], 1e-12);
        LoraRefactor.Factors zero = LoraRefactor.balance(a, new double[10][4]);
        assertEquals(0, maxAbs(product(zero.b(), zero.a())));
    }

    @Test
    void qrAndSvdAreExactFactorizations() {
        Random r = new Random(3);
        double[][] m = random(9, 5, 1, r);
        DenseLinalg.Qr qr = DenseLinalg.qr(m);
        assertTrue(maxDiff(m, DenseLinalg.multiply(qr.q(), qr.r())) < 1e-14 * 10);
        double[][] qtq = DenseLinalg.multiply(DenseLinalg.transpose(qr.q()), qr.q());
        for (int i = 0; i < 5; i++) for (int j = 0; j < 5; j++) assertEquals(i == j ? 1 : 0, qtq[i][j], 1e-14);
        for (int i = 1; i < 5; i++) for (int j = 0; j < i; j++) assertEquals(0, qr.r()[i][j]);
        double[][] sq = random(6, 6, 1, r);
        DenseLinalg.Svd svd = DenseLinalg.svd(sq);
        double[][] s = new double[6][6];
        for (int i = 0; i < 6; i++) s[i][i] = svd.s()[i];
        double[][] back = DenseLinalg.multiply(DenseLinalg.multiply(svd.u(), s), DenseLinalg.transpose(svd.v()));
        assertTrue(maxDiff(sq, back) < 1e-13, "U S V^T = M");
    }

    @Test
    void rejectsMismatchedFactors() {
        assertThrows(WiscaException.class, () -> LoraRefactor.balance(new double[4][8], new double[8][3]));
        assertThrows(WiscaException.class, () -> LoraRefactor.balance(new double[4][2], new double[8][4]));
    }
}
