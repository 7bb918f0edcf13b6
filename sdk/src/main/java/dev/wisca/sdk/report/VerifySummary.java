package dev.wisca.sdk.report;

/**
 * The verification result shown in a report.
 *
 * @param equivalent  whether the check passed
 * @param maxAbsDiff  largest absolute output difference
 * @param maxRelDiff  largest relative output difference
 * @param tolerance   the tolerance the check used
 * @param detail      one line: method, probes, the first offending site when it failed
 */
public record VerifySummary(boolean equivalent, double maxAbsDiff, double maxRelDiff, double tolerance, String detail) {}
