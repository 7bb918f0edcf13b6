package dev.wisca.cli;

import dev.wisca.cli.options.InputOptions;
import dev.wisca.cli.options.JsonOutput;
import dev.wisca.cli.options.SpecOptions;
import dev.wisca.cli.options.Verbosity;
import dev.wisca.io.WiscaException;
import dev.wisca.io.Printable;
import dev.wisca.sdk.CheckpointSummary;
import dev.wisca.sdk.Model;
import dev.wisca.sdk.Wisca;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.Callable;

/** {@code wisca inspect}: headers, shards and totals of a checkpoint, without reading tensor data. */
@Command(name = "inspect", mixinStandardHelpOptions = true,
    description = "Show the tensors, dtypes, shapes, shards and metadata of a checkpoint (reads headers only).",
    footerHeading = "%nExamples:%n",
    footer = {
        "  wisca inspect model.safetensors",
        "  wisca inspect ./Qwen2.5-7B            # sharded folder with model.safetensors.index.json",
        "  wisca inspect ./lora-adapter --json | jq '.totalElements'"})
final class InspectCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Verbosity verbosity;
    @Mixin SpecOptions specs;
    @Mixin JsonOutput json;

    @Mixin InputOptions input;

    /** IN ({@link #input}), set when the command runs. */
    Path path;

    @Option(names = "--summary", description = "Totals only, no per-tensor lines.")
    boolean summaryOnly;

    @Override
    public Integer call() {
        path = input.path();
        CheckpointSummary s = Wisca.inspect(path);
        PrintWriter out = spec.commandLine().getOut();
        if (json.enabled()) {
            Json.print(out, s);
            return ExitCodes.OK;
        }
        out.printf("%s%s%n", text(s.path().toString()), s.modelType().isEmpty() ? "" : "  (model_type " + text(s.modelType()) + ")");
        if (s.adapter()) out.println("PEFT adapter");
        if (!summaryOnly && !verbosity.quiet()) {
            int width = s.tensors().stream().mapToInt(t -> text(t.name()).length()).max().orElse(0);
            boolean manyFiles = s.files().size() > 1;
            for (CheckpointSummary.TensorSummary t : s.tensors()) {
                // Names are data: padded here, never spliced into a format string.
                out.printf("  %s  %-8s %-20s %10s%s%n", pad(text(t.name()), width), t.dtype(), Arrays.toString(t.shape()),
                    Units.bytes(t.bytes()), manyFiles ? "  " + text(t.file()) : "");
            }
        }
        out.printf("%d tensors, %s parameters, %s in %d file%s%n", s.tensors().size(), Units.count(s.totalElements()),
            Units.bytes(s.totalBytes()), s.files().size(), s.files().size() == 1 ? "" : "s");
        StringBuilder dtypes = new StringBuilder();
        for (Map.Entry<String, Long> e : s.bytesByDtype().entrySet()) {
            dtypes.append(dtypes.isEmpty() ? "" : ", ").append(e.getKey()).append(' ').append(Units.bytes(e.getValue()));
        }
        if (!dtypes.isEmpty()) out.println("dtypes: " + dtypes);
        if (s.files().size() > 1 || verbosity.verbose()) {
            for (CheckpointSummary.FileSummary f : s.files()) {
                out.printf("  %s  %s, %d tensors, header %s%n", text(f.name()), Units.bytes(f.fileBytes()), f.tensorCount(), Units.bytes(f.headerBytes()));
            }
        }
        if (!s.metadata().isEmpty()) out.println("metadata: " + text(s.metadata().toString()));
        if (!s.sideFiles().isEmpty()) out.println("other files: " + text(String.join(", ", s.sideFiles())));
        if (!s.adapter() && (specs.explicit() || !s.modelType().isEmpty())) out.println("spec: " + text(binding()));
        return ExitCodes.OK;
    }

    /**
     * Which spec binds the checkpoint, every tensor claimed. A chosen spec ({@code --as}, {@code --arch-spec})
     * that does not bind is an error; without a choice inspect only says why the model_type's spec does not.
     */
    private String binding() {
        try (Model model = Wisca.open(path, specs.choice())) {
            return model.architecture() + " (every tensor claimed)";
        } catch (WiscaException e) {
            if (specs.explicit()) throw e;
            return "none: " + FlagNames.inCliTerms(e.getMessage());
        }
    }

    private static String text(String fromFile) { return Printable.escape(fromFile); }

    private static String pad(String s, int width) {
        return s.length() >= width ? s : s + " ".repeat(width - s.length());
    }
}
