package dev.wisca.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;

import java.io.PrintWriter;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** Entry point of the {@code wisca} command: the only place that calls System.exit. */
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

    /**
     * The subcommands in help order. Registered here rather than in the annotation so that a run
     * builds only the one it executes: picocli reflects over every option of every registered command
     * (loading their types and what those pull in), which was most of a short command's start time.
     */
    private static final List<String> SUBCOMMANDS = List.of("inspect", "stats", "plan", "rescale", "undo", "verify",
        "report", "reshard", "watch", "serve", "demo", "bench", "help", "generate-completion");

    /** A switch, not a map of constructor references: each lambda would spin a class at start. */
    private static Object subcommand(String name) {
        return switch (name) {
            case "inspect" -> new InspectCommand();
            case "stats" -> new StatsCommand();
            case "plan" -> new PlanCommand();
            case "rescale" -> new RescaleCommand();
            case "undo" -> new UndoCommand();
            case "verify" -> new VerifyCommand();
            case "report" -> new ReportCommand();
            case "reshard" -> new ReshardCommand();
            case "watch" -> new WatchCommand();
            case "serve" -> new ServeCommand();
            case "demo" -> new DemoCommand();
            case "bench" -> new BenchCommand();
            case "help" -> new HelpCommand();
            case "generate-completion" -> new AutoComplete.GenerateCompletion();
            default -> throw new IllegalArgumentException(name);
        };
    }

    /** Builds the configured command line with every subcommand; tests call this with their own writers. */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        return commandLine(out, err, SUBCOMMANDS);
    }

    /**
     * The command line {@code args} need: only the subcommand they name, none for {@code --version},
     * all of them otherwise (help, completion, a mistyped name that picocli suggests corrections for).
     */
    static CommandLine commandLineFor(String[] args, PrintWriter out, PrintWriter err) {
        if (args.length > 0 && SUBCOMMANDS.contains(args[0]) && !args[0].equals("help")
            && !args[0].equals("generate-completion")) {
            return commandLine(out, err, List.of(args[0]));
        }
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) return commandLine(out, err, List.of());
        return commandLine(out, err, SUBCOMMANDS);
    }

    private static CommandLine commandLine(PrintWriter out, PrintWriter err, Collection<String> names) {
        ErrorHandler handler = new ErrorHandler();
        CommandLine cl = new CommandLine(new Main());
        for (String name : names) cl.addSubcommand(name, subcommand(name));
        cl.setExecutionExceptionHandler(handler)
            .setParameterExceptionHandler(handler)
            .setOut(out)
            .setErr(err);
        CommandLine completion = cl.getSubcommands().get("generate-completion");
        if (completion != null) completion.getCommandSpec().usageMessage().hidden(true);
        return cl;
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        if (args.length == 1 && (args[0].equals("--version") || args[0].equals("-V"))) {
            // What picocli prints for --version, without building picocli's model (most of the start time).
            for (String line : new VersionProvider().getVersion()) out.println(line);
            out.flush();
            System.exit(ExitCodes.OK);
        }
        BigDecimalWarmup.start();
        PrintWriter err = new PrintWriter(System.err, true);
        int code = execute(args, out, err);
        out.flush();
        err.flush();
        System.exit(code);
    }

    /** Runs {@code args} as {@code main} does, printing to {@code out} and {@code err}; the exit code. */
    static int execute(String[] args, PrintWriter out, PrintWriter err) {
        Optional<InspectCommand> inspect = InspectFastPath.parse(args);
        if (inspect.isPresent()) return InspectFastPath.run(inspect.get(), out, err);
        return commandLineFor(args, out, err).execute(args);
    }
}
