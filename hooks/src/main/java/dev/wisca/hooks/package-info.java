/** Live use of wisca inside an external training loop. */
package dev.wisca.hooks;
