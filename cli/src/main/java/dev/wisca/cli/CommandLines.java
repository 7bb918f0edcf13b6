package dev.wisca.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.HelpCommand;

import java.io.PrintWriter;
import java.util.Collection;
import java.util.List;

/**
 * picocli's command line for {@link Main}, built with the subcommands a run needs. Apart from
 * {@link Main} so that starting the JVM on {@code Main} loads no picocli class: the java launcher
 * looks up {@code main} among Main's declared methods, which resolves the types in every one of
 * their signatures, and a method returning picocli's {@code CommandLine} there loaded that 72 kB
 * class from its jar (after opening every jar before it on the class path; the JVM's AOT cache
 * cannot hold picocli's Java 5 classes) on every start, also for {@code --version} and the
 * picocli-free {@code inspect}. Keep picocli types out of Main's method signatures.
 */
final class CommandLines {
    private CommandLines() {}

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

    /** The configured command line with every subcommand. */
    static CommandLine all(PrintWriter out, PrintWriter err) {
        return build(out, err, SUBCOMMANDS);
    }

    /**
     * The command line {@code args} need: only the subcommand they name, none for {@code --version},
     * all of them otherwise (help, completion, a mistyped name that picocli suggests corrections for).
     */
    static CommandLine forArgs(String[] args, PrintWriter out, PrintWriter err) {
        if (args.length > 0 && SUBCOMMANDS.contains(args[0]) && !args[0].equals("help")
            && !args[0].equals("generate-completion")) {
            return build(out, err, List.of(args[0]));
        }
        if (args.length == 1 && Main.isVersionFlag(args[0])) return build(out, err, List.of());
        return build(out, err, SUBCOMMANDS);
    }

    private static CommandLine build(PrintWriter out, PrintWriter err, Collection<String> names) {
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
}
