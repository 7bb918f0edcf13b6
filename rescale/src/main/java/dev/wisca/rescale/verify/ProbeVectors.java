package dev.wisca.rescale.verify;

import java.util.SplittableRandom;

/**
 * The seeded probe inputs: standard normal vectors standing for normalized hidden states, drawn
 * per block key so every block gets its own and A and B get the same. Positions for RoPE are
 * spread over [0, 4096) with the first pair at (0, 0).
 */
record ProbeVectors(long seed, int count) {
    static final int MAX_POSITION = 4096;

    double[][] vectors(String key, int length) {
        SplittableRandom random = random(key);
        double[][] out = new double[count][length];
        for (double[] v : out) {
            for (int i = 0; i < length; i++) v[i] = gaussian(random);
        }
        return out;
    }

    Noisy[] noisy(String key, int length) {
        double[][] v = vectors(key, length);
        Noisy[] out = new Noisy[v.length];
        for (int p = 0; p < v.length; p++) out[p] = Noisy.exact(v[p]);
        return out;
    }

    /** Query and key positions per probe: {@code [p][0]} query, {@code [p][1]} key. */
    long[][] positions(String key) {
        SplittableRandom random = random(key + "#positions");
        long[][] out = new long[count][2];
        for (int p = 1; p < count; p++) {
            out[p][0] = random.nextInt(MAX_POSITION);
            out[p][1] = random.nextInt(MAX_POSITION);
        }
        return out;
    }

    private SplittableRandom random(String key) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + key.hashCode());
    }

    private static double gaussian(SplittableRandom r) {
        double u1 = r.nextDouble();
        double u2 = r.nextDouble();
        return Math.sqrt(-2 * Math.log(1 - u1)) * Math.cos(2 * Math.PI * u2);
    }
}
