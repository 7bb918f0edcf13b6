package dev.wisca.rescale.lora;

import java.util.Arrays;

/** Small dense linear algebra in double: thin Householder QR and one-sided Jacobi SVD. */
final class DenseLinalg {
    private DenseLinalg() {}

    /** a = q·r with q [m, n] orthonormal columns and r [n, n] upper triangular; needs m ≥ n. */
    record Qr(double[][] q, double[][] r) {}

    /** m = u·diag(s)·vᵀ, s descending, u and v square [n, n]. */
    record Svd(double[][] u, double[] s, double[][] v) {}

    static Qr qr(double[][] a) {
        int m = a.length;
        int n = a[0].length;
        if (m < n) throw new IllegalArgumentException("QR needs rows >= cols, got " + m + " x " + n);
        double[][] w = copy(a);
        double[][] vs = new double[n][];
        for (int k = 0; k < n; k++) {
            double norm = 0;
            for (int i = k; i < m; i++) norm = Math.hypot(norm, w[i][k]);
            double[] v = new double[m];
            if (norm == 0) {
                vs[k] = v;
                continue;
            }
            double alpha = w[k][k] > 0 ? -norm : norm;
            for (int i = k; i < m; i++) v[i] = w[i][k];
            v[k] -= alpha;
            double vn = 0;
            for (int i = k; i < m; i++) vn += v[i] * v[i];
            if (vn > 0) for (int j = k; j < n; j++) reflect(w, v, vn, j, k);
            vs[k] = vn > 0 ? scaled(v, vn) : new double[m];
        }
        double[][] r = new double[n][n];
        for (int i = 0; i < n; i++) for (int j = i; j < n; j++) r[i][j] = w[i][j];
        double[][] q = new double[m][n];
        for (int j = 0; j < n; j++) q[j][j] = 1;
        for (int k = n - 1; k >= 0; k--) {
            for (int j = 0; j < n; j++) reflect(q, vs[k], 1, j, k);
        }
        return new Qr(q, r);
    }

    /** Applies I - 2 v vᵀ / vn to column j of w, rows from k. */
    private static void reflect(double[][] w, double[] v, double vn, int j, int k) {
        double dot = 0;
        for (int i = k; i < w.length; i++) dot += v[i] * w[i][j];
        double f = 2 * dot / vn;
        for (int i = k; i < w.length; i++) w[i][j] -= f * v[i];
    }

    /** The reflector scaled to unit length, so that it is applied with vn = 1. */
    private static double[] scaled(double[] v, double vn) {
        double f = 1 / Math.sqrt(vn);
        double[] out = new double[v.length];
        for (int i = 0; i < v.length; i++) out[i] = v[i] * f;
        return out;
    }

    static Svd svd(double[][] a) {
        int n = a.length;
        double[][] w = copy(a);
        double[][] v = new double[n][n];
        for (int i = 0; i < n; i++) v[i][i] = 1;
        for (int sweep = 0; sweep < 100; sweep++) {
            boolean rotated = false;
            for (int p = 0; p < n - 1; p++) {
                for (int q = p + 1; q < n; q++) {
                    double alpha = 0, beta = 0, gamma = 0;
                    for (int i = 0; i < n; i++) {
                        alpha += w[i][p] * w[i][p];
                        beta += w[i][q] * w[i][q];
                        gamma += w[i][p] * w[i][q];
                    }
                    if (Math.abs(gamma) <= 1e-15 * Math.sqrt(alpha * beta) || gamma == 0) continue;
                    rotated = true;
                    double zeta = (beta - alpha) / (2 * gamma);
                    double t = Math.signum(zeta == 0 ? 1 : zeta) / (Math.abs(zeta) + Math.sqrt(1 + zeta * zeta));
                    double c = 1 / Math.sqrt(1 + t * t);
                    double s = c * t;
                    rotate(w, p, q, c, s);
                    rotate(v, p, q, c, s);
                }
            }
            if (!rotated) break;
        }
        double[] sigma = new double[n];
        for (int j = 0; j < n; j++) {
            double norm = 0;
            for (int i = 0; i < n; i++) norm = Math.hypot(norm, w[i][j]);
            sigma[j] = norm;
        }
        Integer[] order = new Integer[n];
        for (int j = 0; j < n; j++) order[j] = j;
        Arrays.sort(order, (x, y) -> Double.compare(sigma[y], sigma[x]));
        double[][] u = new double[n][n];
        double[][] vSorted = new double[n][n];
        double[] s = new double[n];
        for (int k = 0; k < n; k++) {
            int j = order[k];
            s[k] = sigma[j];
            for (int i = 0; i < n; i++) {
                u[i][k] = sigma[j] == 0 ? 0 : w[i][j] / sigma[j];
                vSorted[i][k] = v[i][j];
            }
        }
        return new Svd(u, s, vSorted);
    }

    private static void rotate(double[][] m, int p, int q, double c, double s) {
        for (double[] row : m) {
            double x = row[p];
            double y = row[q];
            row[p] = c * x - s * y;
            row[q] = s * x + c * y;
        }
    }

    static double[][] multiply(double[][] a, double[][] b) {
        int m = a.length, k = b.length, n = b[0].length;
        double[][] out = new double[m][n];
        for (int i = 0; i < m; i++) {
            for (int l = 0; l < k; l++) {
                double x = a[i][l];
                if (x == 0) continue;
                for (int j = 0; j < n; j++) out[i][j] += x * b[l][j];
            }
        }
        return out;
    }

    static double[][] transpose(double[][] a) {
        double[][] t = new double[a[0].length][a.length];
        for (int i = 0; i < a.length; i++) for (int j = 0; j < a[0].length; j++) t[j][i] = a[i][j];
        return t;
    }

    static double[][] copy(double[][] a) {
        double[][] c = new double[a.length][];
        for (int i = 0; i < a.length; i++) c[i] = a[i].clone();
        return c;
    }
}
