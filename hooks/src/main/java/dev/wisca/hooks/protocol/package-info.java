/**
 * The stats→plan protocol's transport (version 1, {@link dev.wisca.hooks.protocol.Messages}): the wire records,
 * their bounded JSON ({@link dev.wisca.hooks.protocol.ProtocolJson}), the HTTP and stdio servers and the HTTP client.
 * The planning itself is the sdk's {@link dev.wisca.sdk.LivePlanner}: {@link dev.wisca.hooks.protocol.LocalPlanService}
 * keeps one {@link dev.wisca.sdk.LivePlan} per session, {@code Describer} and {@code StageSolver} translate the wire to
 * and from it.
 */
package dev.wisca.hooks.protocol;
