/** Rescale engine: architecture specs, scale sites, statistics, solver, plan, apply. */
package dev.wisca.rescale;
