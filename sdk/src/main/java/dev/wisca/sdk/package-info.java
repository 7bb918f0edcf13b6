/**
 * Public API of wisca: {@link dev.wisca.sdk.Wisca#open open} a checkpoint, {@link dev.wisca.sdk.Model#plan plan},
 * {@link dev.wisca.sdk.Model#apply apply}, {@link dev.wisca.sdk.Model#undo undo}, {@link dev.wisca.sdk.Wisca#verify verify},
 * {@link dev.wisca.sdk.Model#stats stats}, report.
 *
 * <p>The engine types this API names, and so re-exports (hooks and cli may use these and no other engine type,
 * see cli's ModuleBoundaryTest): {@link dev.wisca.rescale.RescaleSettings} (the one settings record) and its
 * vocabulary {@link dev.wisca.rescale.graph.SiteOptions}, {@link dev.wisca.rescale.graph.Pair},
 * {@link dev.wisca.rescale.graph.Granularity}, {@link dev.wisca.rescale.solve.SolverOptions},
 * {@link dev.wisca.rescale.solve.Pow2Mode}, {@link dev.wisca.rescale.stats.Norm}, {@link dev.wisca.rescale.Progress};
 * the reports {@link dev.wisca.rescale.solve.SiteReport}, {@link dev.wisca.rescale.graph.SkippedSite},
 * {@link dev.wisca.rescale.verify.VerifyOptions}, {@link dev.wisca.rescale.verify.VerifyReport},
 * {@link dev.wisca.rescale.pattern.PatternReport}; {@link dev.wisca.rescale.spec.SpecChoice};
 * {@link dev.wisca.io.hf.Overwrite}; and the errors {@link dev.wisca.io.WiscaException} with its
 * {@link dev.wisca.io.ErrorKind}.
 */
package dev.wisca.sdk;
