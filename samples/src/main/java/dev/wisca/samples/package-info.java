/** Runnable examples of every use of wisca. */
package dev.wisca.samples;
