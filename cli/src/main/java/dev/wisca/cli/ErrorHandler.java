package dev.wisca.cli;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.Printable;
import dev.wisca.io.WiscaException;
import picocli.CommandLine;
import picocli.CommandLine.IExecutionExceptionHandler;
import picocli.CommandLine.IParameterExceptionHandler;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.ParseResult;

import java.io.PrintWriter;
import java.util.IllegalFormatException;

/** Turns exceptions into one line on stderr and an exit code; a stack trace only with --verbose. */
final class ErrorHandler implements IExecutionExceptionHandler, IParameterExceptionHandler {

    @Override
    public int handleExecutionException(Exception ex, CommandLine cmd, ParseResult parsed) {
        PrintWriter err = cmd.getErr();
        boolean verbose = parsed != null && hasVerbose(parsed);
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

    @Override
    public int handleParseException(ParameterException ex, String[] args) {
        CommandLine cmd = ex.getCommandLine();
        PrintWriter err = cmd.getErr();
        err.println("wisca: " + Printable.escape(ex.getMessage()));
        if (!CommandLine.UnmatchedArgumentException.printSuggestions(ex, err)) {
            err.println("Try '" + cmd.getCommandSpec().qualifiedName() + " --help' for usage.");
        }
        err.flush();
        return ExitCodes.USER_ERROR;
    }

    private static boolean hasVerbose(ParseResult parsed) {
        for (ParseResult p = parsed; p != null; p = p.subcommand()) {
            if (p.hasMatchedOption("--verbose")) return true;
        }
        return false;
    }
}
