package dev.wisca.cli;

import java.io.PrintWriter;
import java.io.StringWriter;

/** Runs the wisca command line in-process, built as {@code main} builds it, and captures what it prints. */
record Cli(int exitCode, String out, String err) {
    static Cli run(String... args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        int code = Main.execute(args, new PrintWriter(out, true), new PrintWriter(err, true));
        return new Cli(code, out.toString(), err.toString());
    }
}
