package dev.wisca.cli;

import dev.wisca.cli.options.JsonOutput;
import dev.wisca.cli.options.SpecOptions;
import dev.wisca.cli.options.OutputOptions;
import dev.wisca.cli.options.Verbosity;
import dev.wisca.sdk.OutputFiles;
import dev.wisca.rescale.pattern.PatternReport;
import dev.wisca.sdk.RescalePlan;
import dev.wisca.rescale.verify.VerifyReport;
import dev.wisca.sdk.Wisca;
import dev.wisca.sdk.report.HtmlReport;
import dev.wisca.sdk.report.Patterns;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.stream.Stream;
import java.util.concurrent.Callable;
import java.util.Map;

/** {@code wisca report}: a self-contained HTML page comparing the weight pattern before and after. */
@Command(name = "report", mixinStandardHelpOptions = true,
    description = {"Write a self-contained HTML report comparing the weight pattern before and after.",
        "Inline SVG, no network: Q/K and V/O balance heatmaps before and after (layer x KV head, and layer x query head",
        "against its KV head), the scale factors of the plan, skipped/clamped sites, and the verification result."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  wisca report ./model ./model-wisca --html report.html --plan plan/",
        "  wisca report ./model ./model-wisca --html report.html --full     # full forward-pass verification"})
final class ReportCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Verbosity verbosity;
    @Mixin SpecOptions specs;
    @Mixin JsonOutput json;
    @Mixin OutputOptions output;

    @Parameters(index = "0", paramLabel = "BEFORE", description = "The original checkpoint.")
    Path before;

    @Parameters(index = "1", paramLabel = "AFTER", description = "The rescaled checkpoint.")
    Path after;

    @Option(names = "--html", paramLabel = "FILE", required = true, description = "Where to write the report.")
    Path html;

    @Option(names = "--plan", paramLabel = "PLAN", description = "The plan folder that was applied (adds the scale histogram and site notes).")
    Path plan;

    @Option(names = "--full", description = "Verify with a full forward pass instead of per-block probes.")
    boolean full;

    @Option(names = "--no-verify", description = "Leave the verification section out.")
    boolean noVerify;

    @Override
    public Integer call() {
        List<Path> inputs = Stream.of(before, after, plan).filter(Objects::nonNull).toList();
        output.checkAll(List.of(html), inputs);
        int threads = Runtime.getRuntime().availableProcessors();
        PatternReport b = Patterns.of(before, specs.choice(), threads);
        PatternReport a = Patterns.of(after, specs.choice(), threads);
        Optional<RescalePlan> p = Optional.ofNullable(plan).map(RescalePlan::load);
        Optional<VerifyReport> v = noVerify ? Optional.empty()
            : Optional.of((full ? Wisca.verify(before, after).full() : Wisca.verify(before, after).probes()).spec(specs.choice()).run());
        OutputFiles.file(html, output.overwrite(), inputs, target -> {
            HtmlReport.write(b, a, p, v, target);
            return target;
        });
        if (json.enabled()) {
            Json.print(spec.commandLine().getOut(), Map.of("html", html.toString(),
                "verify", v.map(VerifyReport::toJsonTree).map(Object.class::cast).orElse("not run")));
        } else {
            spec.commandLine().getOut().println("wrote " + html + v.map(r -> " (" + r.summary() + ")").orElse(""));
        }
        return ExitCodes.OK;
    }
}
