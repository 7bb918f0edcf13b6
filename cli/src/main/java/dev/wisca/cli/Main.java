package dev.wisca.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

/** Entry point of the {@code wisca} command. */
@Command(name = "wisca", mixinStandardHelpOptions = true, version = "wisca 0.1.0",
    description = "Function-preserving weight rescaling (WISCA) for safetensors checkpoints.")
public final class Main implements Runnable {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Override
    public void run() {
        spec.commandLine().usage(spec.commandLine().getOut());
    }

    public static void main(String[] args) {
        System.exit(new CommandLine(new Main()).execute(args));
    }
}
