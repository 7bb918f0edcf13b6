package dev.wisca.cli;

import picocli.AutoComplete;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.HelpCommand;

import java.io.PrintWriter;

/** Entry point of the {@code wisca} command: the only place that calls System.exit. */
@Command(name = "wisca",
    mixinStandardHelpOptions = true,
    versionProvider = VersionProvider.class,
    description = "Function-preserving weight rescaling (WISCA) for safetensors checkpoints.",
    subcommands = {
        InspectCommand.class,
        StatsCommand.class,
        PlanCommand.class,
        RescaleCommand.class,
        UndoCommand.class,
        VerifyCommand.class,
        ReportCommand.class,
        ReshardCommand.class,
        WatchCommand.class,
        ServeCommand.class,
        DemoCommand.class,
        BenchCommand.class,
        HelpCommand.class,
        AutoComplete.GenerateCompletion.class,
    },
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

    /** Builds the configured command line; tests call this with their own writers. */
    public static CommandLine commandLine(PrintWriter out, PrintWriter err) {
        ErrorHandler handler = new ErrorHandler();
        CommandLine cl = new CommandLine(new Main())
            .setExecutionExceptionHandler(handler)
            .setParameterExceptionHandler(handler)
            .setOut(out)
            .setErr(err);
        cl.getSubcommands().get("generate-completion").getCommandSpec().usageMessage().hidden(true);
        return cl;
    }

    public static void main(String[] args) {
        PrintWriter out = new PrintWriter(System.out, true);
        PrintWriter err = new PrintWriter(System.err, true);
        int code = commandLine(out, err).execute(args);
        out.flush();
        err.flush();
        System.exit(code);
    }
}
