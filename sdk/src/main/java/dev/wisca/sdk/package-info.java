/** Public API of wisca: open a checkpoint, plan, apply, undo, verify, report. */
package dev.wisca.sdk;
