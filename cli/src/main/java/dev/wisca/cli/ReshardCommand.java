package dev.wisca.cli;

import dev.wisca.cli.options.ShardLayout;
import dev.wisca.cli.options.InputOptions;
import dev.wisca.cli.options.JsonOutput;
import dev.wisca.cli.options.OutputOptions;
import dev.wisca.cli.options.Verbosity;
import dev.wisca.io.Dtype;
import dev.wisca.io.hf.ByteSize;
import dev.wisca.sdk.ReshardResult;
import dev.wisca.sdk.Wisca;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.Callable;

/** {@code wisca reshard}: rewrite a checkpoint with another shard size and/or float dtype. */
@Command(name = "reshard", mixinStandardHelpOptions = true,
    description = "Rewrite a checkpoint through the streaming writer: new shard size, optionally a new float dtype (round to nearest even). Non-weight files are copied.",
    footerHeading = "%nExamples:%n",
    footer = {
        "  wisca reshard ./model ./model-2gb --max-shard-size 2GB",
        "  wisca reshard model.safetensors model-bf16.safetensors --dtype bf16"})
final class ReshardCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Verbosity verbosity;
    @Mixin JsonOutput json;
    @Mixin OutputOptions output;

    @Mixin InputOptions input;

    /** IN ({@link #input}), set when the command runs. */
    Path in;

    @Parameters(index = "1", paramLabel = "OUT", description = "Output file (for a file input) or folder.")
    Path out;

    @Mixin ShardLayout layout;


    @Override
    public Integer call() {
        in = input.path();
        long limit = layout.maxShardBytes();
        Optional<Dtype> target = layout.dtype();
        long start = System.nanoTime();
        ReshardResult r = Wisca.reshard(in, out, limit, target.orElse(null), output.overwrite(), ProgressBar.forCommand(spec.commandLine().getErr(), verbosity, json));
        long nanos = System.nanoTime() - start;
        PrintWriter o = spec.commandLine().getOut();
        if (json.enabled()) {
            Json.print(o, r);
        } else if (!verbosity.quiet()) {
            o.printf("wrote %s: %d weight file%s, %d other file%s copied%s in %s%n", r.output(), r.weightFiles().size(),
                r.weightFiles().size() == 1 ? "" : "s", r.copiedFiles().size(), r.copiedFiles().size() == 1 ? "" : "s",
                target.map(d -> ", " + r.convertedTensors() + " tensors converted to " + d).orElse(""), Units.duration(nanos));
        }
        return ExitCodes.OK;
    }
}
