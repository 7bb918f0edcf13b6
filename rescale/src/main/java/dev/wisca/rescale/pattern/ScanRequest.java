package dev.wisca.rescale.pattern;

import dev.wisca.io.Tensor;

/** A tensor to scan, and whether its per-row and per-column sums are wanted (2-D tensors only). */
record ScanRequest(Tensor tensor, boolean rows, boolean cols) {
    boolean wantsAxes() { return rows || cols; }
}
