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

    @Option(names = "--summary", description = "Totals only, no per-tensor lines.")
    boolean summaryOnly;

    private static final String NL = System.lineSeparator();

    InspectCommand() {}

    /** The command as picocli would set it up from these options, for a run without picocli ({@link InspectFastPath}). */
    InspectCommand(Path path, boolean json, boolean summaryOnly, boolean verbose, boolean quiet) {
        this.input = InputOptions.of(path);
        this.json = JsonOutput.of(json);
        this.summaryOnly = summaryOnly;
        this.verbosity = Verbosity.of(verbose, quiet);
        this.specs = new SpecOptions();
    }

    @Override
    public Integer call() {
        return print(spec.commandLine().getOut());
    }

    /** Inspects IN and prints the result to {@code out}; the exit code. */
    int print(PrintWriter out) {
        CheckpointSummary s = Wisca.inspect(input.path());
        if (json.enabled()) {
            Json.print(out, s);
            return ExitCodes.OK;
        }
        // Built whole and printed once: 5,000 tensor lines through printf (a Formatter each) and an
        // autoflushing writer (a write call each) were a third of a 100-shard inspect's time.
        StringBuilder o = new StringBuilder(128 + 96 * s.tensors().size());
        o.append(text(s.path().toString())).append(s.modelType().isEmpty() ? "" : "  (model_type " + text(s.modelType()) + ")").append(NL);
        if (s.adapter()) o.append("PEFT adapter").append(NL);
        if (!summaryOnly && !verbosity.quiet()) {
            String[] names = new String[s.tensors().size()];
            int width = 0;
            for (int i = 0; i < names.length; i++) width = Math.max(width, (names[i] = text(s.tensors().get(i).name())).length());
            boolean manyFiles = s.files().size() > 1;
            String file = null;
            String fileText = "";
            for (int i = 0; i < names.length; i++) {
                CheckpointSummary.TensorSummary t = s.tensors().get(i);
                // Tensors come file by file: each file name is escaped once, not once per tensor.
                if (manyFiles && !t.file().equals(file)) fileText = text(file = t.file());
                // Names are data: padded here, never spliced into a format string. Appended in place, not
                // through padded copies: this loop runs 5,000 times on a cold JVM for a 100-shard folder.
                o.append("  ").append(names[i]);
                spaces(o, width - names[i].length());
                o.append("  ").append(t.dtype());
                spaces(o, 8 - t.dtype().length());
                o.append(' ');
                int shapeStart = o.length();
                appendShape(o, t.shape());
                spaces(o, 20 - (o.length() - shapeStart));
                o.append(' ');
                String size = Units.bytes(t.bytes());
                spaces(o, 10 - size.length());
                o.append(size);
                if (manyFiles) o.append("  ").append(fileText);
                o.append(NL);
            }
        }
        o.append(s.tensors().size()).append(" tensors, ").append(Units.count(s.totalElements())).append(" parameters, ")
            .append(Units.bytes(s.totalBytes())).append(" in ").append(s.files().size()).append(" file")
            .append(s.files().size() == 1 ? "" : "s").append(NL);
        StringBuilder dtypes = new StringBuilder();
        for (Map.Entry<String, Long> e : s.bytesByDtype().entrySet()) {
            dtypes.append(dtypes.isEmpty() ? "" : ", ").append(e.getKey()).append(' ').append(Units.bytes(e.getValue()));
        }
        if (!dtypes.isEmpty()) o.append("dtypes: ").append(dtypes).append(NL);
        if (s.files().size() > 1 || verbosity.verbose()) {
            for (CheckpointSummary.FileSummary f : s.files()) {
                o.append("  ").append(text(f.name())).append("  ").append(Units.bytes(f.fileBytes())).append(", ").append(f.tensorCount())
                    .append(" tensors, header ").append(Units.bytes(f.headerBytes())).append(NL);
            }
        }
        if (!s.metadata().isEmpty()) o.append("metadata: ").append(text(s.metadata().toString())).append(NL);
        if (!s.sideFiles().isEmpty()) o.append("other files: ").append(text(String.join(", ", s.sideFiles()))).append(NL);
        out.print(o);
        out.flush();
        if (!s.adapter() && (specs.explicit() || !s.modelType().isEmpty())) out.println("spec: " + text(binding()));
        return ExitCodes.OK;
    }

    /**
     * Which spec binds the checkpoint, every tensor claimed. A chosen spec ({@code --as}, {@code --arch-spec})
     * that does not bind is an error; without a choice inspect only says why the model_type's spec does not.
     */
    private String binding() {
        try (Model model = Wisca.open(input.path(), specs.choice())) {
            return model.architecture() + " (every tensor claimed)";
        } catch (WiscaException e) {
            if (specs.explicit()) throw e;
            return "none: " + FlagNames.inCliTerms(e.getMessage());
        }
    }

    private static String text(String fromFile) { return Printable.escape(fromFile); }

    private static void spaces(StringBuilder o, int count) {
        for (int i = 0; i < count; i++) o.append(' ');
    }

    /** As {@link Arrays#toString(long[])} writes it: {@code [4, 8]}. */
    private static void appendShape(StringBuilder o, long[] shape) {
        o.append('[');
        for (int i = 0; i < shape.length; i++) {
            if (i > 0) o.append(", ");
            o.append(shape[i]);
        }
        o.append(']');
    }
}
