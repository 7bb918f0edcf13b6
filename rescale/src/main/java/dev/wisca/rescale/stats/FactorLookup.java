package dev.wisca.rescale.stats;

/**
 * Scale factors already decided for a tensor (by an earlier solving stage), applied on the fly when
 * gathering statistics. Row factors are indexed by global row ({@code batch·rows + i}; elements of a
 * 1-D tensor), column factors by {@code batch·cols + j}; null means all ones.
 */
public interface FactorLookup {
    FactorLookup NONE = new FactorLookup() {
        @Override public double[] rows(String tensor) { return null; }
        @Override public double[] cols(String tensor) { return null; }
    };

    double[] rows(String tensor);

    double[] cols(String tensor);
}
