package dev.wisca.rescale.verify;

import dev.wisca.rescale.spec.RopePairing;

/**
 * Rotary position embedding of one head at one position: pair (d, d + rot/2) (Hugging Face
 * rotate_half) or (2i, 2i + 1) rotated by {@code position · theta^(-2i/rot)}; dims ≥ rot pass.
 */
record Rope(int rotaryDims, RopePairing pairing, double theta) {
    Noisy apply(Noisy head, long position) {
        double[] v = head.value().clone();
        double[] s = head.variance().clone();
        int half = rotaryDims / 2;
        for (int i = 0; i < half; i++) {
            int a = pairing == RopePairing.ROTATE_HALF ? i : 2 * i;
            int b = pairing == RopePairing.ROTATE_HALF ? i + half : 2 * i + 1;
            double angle = position * Math.pow(theta, -2.0 * i / rotaryDims);
            double cos = Math.cos(angle);
            double sin = Math.sin(angle);
            double x = head.value()[a];
            double y = head.value()[b];
            v[a] = x * cos - y * sin;
            v[b] = y * cos + x * sin;
            double sx = head.variance()[a];
            double sy = head.variance()[b];
            s[a] = cos * cos * sx + sin * sin * sy;
            s[b] = cos * cos * sy + sin * sin * sx;
        }
        return new Noisy(v, s);
    }
}
