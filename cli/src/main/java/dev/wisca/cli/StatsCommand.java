package dev.wisca.cli;

import dev.wisca.cli.options.InputOptions;
import dev.wisca.cli.options.JsonOutput;
import dev.wisca.cli.options.SpecOptions;
import dev.wisca.cli.options.OutputOptions;
import dev.wisca.cli.options.Verbosity;
import dev.wisca.io.Printable;
import dev.wisca.rescale.pattern.AttentionStats;
import dev.wisca.rescale.pattern.PatternReport;
import dev.wisca.rescale.pattern.TensorStats;
import dev.wisca.sdk.report.Patterns;
import dev.wisca.sdk.report.StatsWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/** {@code wisca stats}: the weight pattern of a checkpoint (what WISCA balances). */
@Command(name = "stats", mixinStandardHelpOptions = true,
    description = {"Weight-pattern statistics: norms, NaN/Inf counts, per-head Q/K and V/O balance.",
        "Per tensor L1/L2/max norms and NaN/Inf counts; per attention layer and head the Q/K and V/O norms and balance",
        "ratios (the quantity WISCA equalizes to 1). One read-only parallel pass."},
    footerHeading = "%nExamples:%n",
    footer = {
        "  wisca stats ./model",
        "  wisca stats ./model --out stats.arrow     # + stats.heads.arrow, stats.balance.arrow: pd.read_feather(...)",
        "  wisca stats ./model --out stats.csv",
        "  wisca stats ./model --json > stats.json"})
final class StatsCommand implements Callable<Integer> {
    @Spec CommandSpec spec;
    @Mixin Verbosity verbosity;
    @Mixin SpecOptions specs;
    @Mixin JsonOutput json;
    @Mixin OutputOptions output;

    @Mixin InputOptions input;

    /** IN ({@link #input}), set when the command runs. */
    Path checkpoint;

    @Option(names = "--out", paramLabel = "FILE", description = "Write tables: .arrow/.feather (Arrow IPC, Feather v2), .csv or .json.")
    Path out;

    @Override
    public Integer call() {
        checkpoint = input.path();
        long start = System.nanoTime();
        List<Path> inputs = Stream.concat(Stream.of(checkpoint), specs.file().stream()).toList();
        if (out != null) output.checkAll(StatsWriter.files(out), inputs);
        PatternReport report = Patterns.of(checkpoint, specs.choice(), Runtime.getRuntime().availableProcessors(),
            ProgressBar.forCommand(spec.commandLine().getErr(), verbosity, json));
        PrintWriter o = spec.commandLine().getOut();
        if (out != null) {
            List<Path> written = StatsWriter.write(report, out, output.overwrite(), inputs);
            if (!json.enabled() && !verbosity.quiet()) written.forEach(p -> o.println("wrote " + p));
        }
        if (json.enabled()) {
            Json.print(o, report);
            return ExitCodes.OK;
        }
        if (!verbosity.quiet()) print(report, o);
        o.printf("%d tensors, %d attention layers (%s)%n", report.tensors().size(), report.attention().size(),
            Units.duration(System.nanoTime() - start));
        return ExitCodes.OK;
    }

    private void print(PatternReport r, PrintWriter o) {
        if (!r.attention().isEmpty()) {
            o.println("layer   |Wq|1/|Wk|1   |Wv|1/|Wo|1   (1 = balanced; per KV group with --verbose)");
            for (AttentionStats a : r.attention()) {
                o.printf(Locale.ROOT, "%5d   %11s   %11s%n", a.layer(), ratio(a.qk() == null ? Double.NaN : a.qk().ratio()),
                    ratio(a.vo() == null ? Double.NaN : a.vo().ratio()));
                if (verbosity.verbose() && a.qk() != null && a.vo() != null) {
                    double[] qk = a.qk().groupRatios();
                    double[] vo = a.vo().groupRatios();
                    for (int g = 0; g < qk.length; g++) {
                        o.printf(Locale.ROOT, "        kv %-3d %9s   %11s%n", g, ratio(qk[g]), ratio(g < vo.length ? vo[g] : Double.NaN));
                    }
                }
            }
        }
        long nonFinite = 0;
        for (TensorStats t : r.tensors()) {
            if (t.values() == null) continue;
            long bad = t.values().nanCount() + t.values().infCount();
            if (bad > 0) o.printf("  %s: %d NaN, %d Inf%n", Printable.escape(t.name()), t.values().nanCount(), t.values().infCount());
            nonFinite += bad;
            if (verbosity.verbose()) {
                o.printf(Locale.ROOT, "  %-48s L1 %.4g  L2 %.4g  max %.4g%n", Printable.escape(t.name()), t.values().l1(), t.values().l2(), t.values().maxAbs());
            }
        }
        if (nonFinite == 0) o.println("no NaN or Inf values");
        r.notes().forEach(n -> o.println("note: " + n));
    }

    private static String ratio(double x) {
        return Double.isNaN(x) ? "-" : String.format(Locale.ROOT, "%.4f", x);
    }
}
