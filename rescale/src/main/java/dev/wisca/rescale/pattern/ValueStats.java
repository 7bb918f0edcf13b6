package dev.wisca.rescale.pattern;

/**
 * Norms and non-finite counts over every element of a float tensor (IEEE arithmetic: one NaN makes
 * the norms NaN, an infinity makes them infinite; the counts say which).
 *
 * @param l1       Σ|w|
 * @param l2       sqrt(Σw²)
 * @param maxAbs   max|w|
 * @param nanCount elements that are NaN
 * @param infCount elements that are ±Inf
 */
public record ValueStats(double l1, double l2, double maxAbs, long nanCount, long infCount) {}
