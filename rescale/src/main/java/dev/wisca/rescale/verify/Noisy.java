package dev.wisca.rescale.verify;

/**
 * A probe vector and, per element, the variance that rounding the weights it went through would
 * add (first-order model: a weight w of a dtype with unit roundoff u is off by a uniform error of at
 * most u·|w|, variance u²w²/3; errors of different weights are independent). The variance is what
 * the default tolerance is built from.
 */
record Noisy(double[] value, double[] variance) {
    static Noisy exact(double[] value) { return new Noisy(value, new double[value.length]); }

    static Noisy zeros(int n) { return new Noisy(new double[n], new double[n]); }

    int length() { return value.length; }

    /** Elements [from, from + n) as a new vector. */
    Noisy slice(int from, int n) {
        double[] v = new double[n];
        double[] s = new double[n];
        System.arraycopy(value, from, v, 0, n);
        System.arraycopy(variance, from, s, 0, n);
        return new Noisy(v, s);
    }
}
