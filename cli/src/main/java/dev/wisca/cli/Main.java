package dev.wisca.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.PrintWriter;
import java.util.Optional;

/** Entry point of the {@code wisca} command: the only place that ends the process (System.exit, or Runtime.halt on the fast paths). */
@Command(name = "wisca",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Function-preserving weight rescaling (WISCA) for safetensors checkpoints.",
    exitCodeListHeading = "%nExit codes:%n",
    exitCodeList = {
        "0:success (checks: equivalent)",
        "1:a check failed (e.g. not equivalent)",
        "2:usage or input error",
        "70:internal error (a bug; rerun with --verbose)"},
    footerHeading = "%nExamples:%n",
    footer = {
        "  wisca demo                                   # the whole flow on a generated sample",
        "  wisca inspect ./Llama-3.2-1B",
        "  wisca rescale ./Llama-3.2-1B ./Llama-wisca   # paper defaults: Q/K + V/O, tensor-wise, L1",
        "  wisca verify ./Llama-3.2-1B ./Llama-wisca",
        "  source <(wisca generate-completion)"})
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        if (args.length == 1 && isVersionFlag(args[0])) {
            // What picocli prints for --version, without building picocli's model (most of the start time).
            for (String line : Version.lines()) out.println(line);
            out.flush();
            halt(ExitCodes.OK);
        }
        PrintWriter err = new PrintWriter(System.err, true);
        Optional<InspectCommand> inspect = InspectFastPath.parse(args);
        ClassInitWarmup.start(inspect.isEmpty());
        int code = execute(args, inspect, out, err);
        out.flush();
        err.flush();
        if (inspect.isPresent()) halt(code);
        System.exit(code);
    }

    /**
     * Ends a run that registered no shutdown hook (--version, the picocli-free inspect), its output flushed.
     * Not {@code System.exit}: that asks the JDK's logging for a logger (to log the exit at debug level),
     * which looks for a logging service in every jar on the class path (28 opened) and starts
     * java.util.logging, a tenth of a {@code --version}.
     */
    private static void halt(int code) {
        Runtime.getRuntime().halt(code);
    }

    static boolean isVersionFlag(String arg) {
        return arg.equals("--version") || arg.equals("-V");
    }

    /** Runs {@code args} as {@code main} does, printing to {@code out} and {@code err}; the exit code. */
    static int execute(String[] args, PrintWriter out, PrintWriter err) {
        return execute(args, InspectFastPath.parse(args), out, err);
    }

    /** {@code inspect}: {@code args} as {@link InspectFastPath#parse} read them (empty: picocli runs them). */
    private static int execute(String[] args, Optional<InspectCommand> inspect, PrintWriter out, PrintWriter err) {
        if (inspect.isPresent()) return InspectFastPath.run(inspect.get(), out, err);
        try {
            return CommandLines.forArgs(args, out, err).execute(args);
        } catch (OutOfMemoryError e) {
            // picocli passes Errors through; a JVM limit is one line too, with the knobs that raise it
            err.println("wisca: out of memory (" + e.getMessage() + "): raise the JVM's limits with WISCA_JAVA_OPTS"
                + " (-Xmx for the heap, -XX:MaxDirectMemorySize for buffers), or use a lighter mode (verify --probes-only)");
            err.flush();
            return ExitCodes.USER_ERROR;
        }
    }
}
