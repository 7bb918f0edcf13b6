package dev.wisca.rescale.pattern;

/** What a scan found in one tensor; {@code rows}/{@code cols} are null unless asked for and measurable. */
record ScanResult(ValueStats values, AxisSums rows, AxisSums cols) {
    static final ScanResult UNMEASURED = new ScanResult(null, null, null);
}
