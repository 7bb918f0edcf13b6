package dev.wisca.sdk.report;

import dev.wisca.rescale.verify.VerifyReport;

/**
 * The verification result shown in a report.
 *
 * @param equivalent  whether the check passed
 * @param maxAbsDiff  largest absolute output difference
 * @param maxRelDiff  largest relative output difference
 * @param tolerance   the tolerance rule the check used, in words
 * @param detail      one line: mode, blocks, the first offending or worst block
 */
public record VerifySummary(boolean equivalent, double maxAbsDiff, double maxRelDiff, String tolerance, String detail) {
    public static VerifySummary of(VerifyReport report) {
        return new VerifySummary(report.equivalent(), report.maxAbs(), report.maxRel(), report.tolerance(), report.summary());
    }
}
