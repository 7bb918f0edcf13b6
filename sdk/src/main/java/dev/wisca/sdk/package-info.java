/**
 * Public API of wisca: {@link dev.wisca.sdk.Wisca#open open} a checkpoint, {@link dev.wisca.sdk.Model#plan plan},
 * {@link dev.wisca.sdk.Model#apply apply}, {@link dev.wisca.sdk.Model#undo undo}, {@link dev.wisca.sdk.Wisca#verify verify},
 * {@link dev.wisca.sdk.Model#stats stats}, {@link dev.wisca.sdk.Wisca#reshard reshard}; plan a live model from a
 * training loop's statistics ({@link dev.wisca.sdk.LivePlanner}); publish files the way wisca does
 * ({@link dev.wisca.sdk.OutputFiles}).
 *
 * <p>The engine types this API names, and so re-exports, are listed in one place, {@link dev.wisca.sdk.ReExports#TYPES}
 * (errors, the settings record and its vocabulary, reports, a described parameter, two text helpers). sdk's
 * SdkSignatureTest fails on any other engine type in a public signature, cli's ModuleBoundaryTest on any other
 * engine type named in hooks or cli.
 */
package dev.wisca.sdk;
