package dev.wisca.rescale.solve;

/**
 * Something the solver did not do as asked, for some channels of a site.
 *
 * @param kind         what happened
 * @param channels     how many channels it affected
 * @param firstChannel the first affected channel
 * @param detail       one line for the report
 */
public record Note(Kind kind, int channels, int firstChannel, String detail) {
    public enum Kind {
        /** A side's norm was 0, NaN or Inf (e.g. a fresh LoRA B = 0): s = 1. */
        DEGENERATE,
        /** The wanted scale was outside [minScale, maxScale]. */
        RANGE_CLAMPED,
        /** The wanted scale would overflow a member's stored dtype: limited to what fits. */
        OVERFLOW_CLAMPED,
        /** No scale fits every member's dtype: s = 1. */
        OVERFLOW_UNAVOIDABLE
    }
}
