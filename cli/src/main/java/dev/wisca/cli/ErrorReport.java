package dev.wisca.cli;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.Printable;
import dev.wisca.io.WiscaException;

import java.io.PrintWriter;
import java.util.IllegalFormatException;

/**
 * A command's exception as one line on stderr and its exit code; a stack trace only with --verbose.
 * Free of picocli, so a command run without it ({@link InspectFastPath}) reports errors the same way.
 */
final class ErrorReport {
    private ErrorReport() {}

    static int print(Exception ex, PrintWriter err, boolean verbose) {
        if (ex instanceof WiscaException we) {
            err.println("wisca: " + FlagNames.inCliTerms(we.getMessage()));
            if (verbose) we.printStackTrace(err);
            err.flush();
            return we.kind() == ErrorKind.NOT_EQUIVALENT ? ExitCodes.CHECK_FAILED : ExitCodes.USER_ERROR;
        }
        // A JDK argument check without a message, or a bad format string, is our bug, not the user's input.
        if (ex instanceof IllegalArgumentException iae && iae.getMessage() != null && !iae.getMessage().isBlank()
                && !(ex instanceof IllegalFormatException)) {
            err.println("wisca: " + Printable.escape(iae.getMessage()));
            if (verbose) iae.printStackTrace(err);
            err.flush();
            return ExitCodes.USER_ERROR;
        }
        err.println("wisca: internal error: " + Printable.escape(String.valueOf(ex)) + (verbose ? "" : " (run with --verbose for the stack trace; please report it)"));
        if (verbose) ex.printStackTrace(err);
        err.flush();
        return ExitCodes.INTERNAL_ERROR;
    }
}
