package dev.wisca.cli;

import dev.wisca.cli.options.InputOptions;
import dev.wisca.cli.options.JsonOutput;
import dev.wisca.cli.options.OutputOptions;
import dev.wisca.cli.options.RescaleFlags;
import dev.wisca.cli.options.SpecOptions;
import dev.wisca.cli.options.Verbosity;
import dev.wisca.sdk.Model;
import dev.wisca.sdk.RescalePlan;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.sdk.Wisca;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/** {@code wisca plan}: the read-only half of rescale. */
@Command(name = "plan", mixinStandardHelpOptions = true, sortOptions = false,
    description = "Solve the scales (read-only statistics pass) and save the plan: plan.json (summary) + plan.safetensors (scale vectors).",
    footerHeading = "%nExamples:%n",
    footer = {
        "  wisca plan ./model plan/",
        "  wisca plan ./model plan/ --pairs qk,vo,updown --granularity channel --json",
        "  wisca rescale ./model ./out --apply plan/"})
final class PlanCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin RescaleFlags flags;
    @Mixin Verbosity verbosity;
    @Mixin SpecOptions specs;
    @Mixin JsonOutput json;
    @Mixin OutputOptions output;

    @Mixin InputOptions input;

    /** IN ({@link #input}), set when the command runs. */
    Path in;

    @Parameters(index = "1", paramLabel = "PLAN", description = "Folder to save the plan into.")
    Path planFolder;

    @Override
    public Integer call() {
        in = input.path();
        RescaleSettings settings = flags.settings().withProgress(ProgressBar.forCommand(spec.commandLine().getErr(), verbosity, json));
        long start = System.nanoTime();
        output.checkAll(List.of(planFolder), Stream.concat(Stream.of(in), specs.file().stream()).toList());
        try (Model model = Wisca.open(in, specs.choice())) {
            RescalePlan plan = model.plan(settings);
            plan.save(planFolder, output.overwrite());
            PlanOutput.of(model.architecture(), plan, null, planFolder, System.nanoTime() - start).show(spec.commandLine().getOut(),
                json.enabled(), verbosity.quiet(), verbosity.verbose(), "plan saved to " + planFolder + " (" + Units.duration(System.nanoTime() - start) + ")");
        }
        return ExitCodes.OK;
    }
}
