package dev.wisca.sdk.report;

/**
 * A row of the report's "skipped, clamped and degenerate" table.
 *
 * @param site   site id ({@code layers.3.qk}) or {@code model}
 * @param pair   pair kind ({@code qk}, {@code vo}, …), empty for model notes
 * @param status what happened: skipped, degenerate, clamped, note
 * @param detail the reason
 */
public record SiteIssue(String site, String pair, String status, String detail) {}
