package dev.wisca.samples.experiment;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** Writes curves.csv, events.csv, summary.md and loss.svg for a set of runs. */
final class ResultFiles {
    private ResultFiles() {}

    static List<Path> write(Settings s, List<Curves.Run> runs) {
        Path out = s.out();
        try {
            Files.createDirectories(out);
            if (runs.isEmpty()) throw new IllegalArgumentException("no runs to write");
            StringBuilder curves = new StringBuilder("arm,seed,split,step,loss,perplexity,seconds\n");
            StringBuilder events = new StringBuilder("arm,seed,step,max_abs_logit_diff,max_rel_logit_diff,imbalance_before,imbalance_after,sites,scales,moments\n");
            for (Curves.Run r : runs) {
                for (Curves.Point p : r.points()) {
                    curves.append(String.format(Locale.ROOT, "%s,%d,%s,%d,%.6f,%.6f,%.3f%n", p.arm(), p.seed(), p.split(), p.step(), p.loss(), Math.exp(p.loss()), p.seconds()));
                }
                for (Curves.Event e : r.events()) {
                    events.append(String.format(Locale.ROOT, "%s,%d,%d,%.3e,%.3e,%.4e,%.4e,%d,\"%s\",\"%s\"%n", e.arm(), e.seed(), e.step(),
                        e.maxAbsDiff(), e.maxRelDiff(), e.imbalanceBefore(), e.imbalanceAfter(), e.sites(), e.scales(), e.moments()));
                }
            }
            Path csv = Files.writeString(out.resolve("curves.csv"), curves);
            Path ev = Files.writeString(out.resolve("events.csv"), events);
            return concat(List.of(csv, ev), drawings(s, runs));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** summary.md and loss.svg (also redrawn from the CSV files by {@code --replot}). */
    static List<Path> drawings(Settings s, List<Curves.Run> runs) {
        try {
            Path md = Files.writeString(s.out().resolve("summary.md"), summary(s, runs));
            Path svg = Files.writeString(s.out().resolve("loss.svg"), LossPlot.svg(runs));
            return List.of(md, svg);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Per arm: final train loss (mean of the last steps), validation loss and perplexity, mean ± std over seeds, change vs the arm's baseline. */
    static String summary(Settings s, List<Curves.Run> runs) {
        Map<String, List<Curves.Run>> byArm = new LinkedHashMap<>();
        for (Curves.Run r : runs) byArm.computeIfAbsent(r.arm(), k -> new ArrayList<>()).add(r);
        StringBuilder md = new StringBuilder();
        md.append("| arm | seeds | final train loss | final val loss | val perplexity | Δ val loss vs baseline | Δ val ppl vs baseline | rescales | max rel. logit diff at a rescale | wall s / run |\n");
        md.append("|---|---|---|---|---|---|---|---|---|---|\n");
        for (var e : byArm.entrySet()) {
            List<Curves.Run> rs = e.getValue();
            String baseline = rs.get(0).arm().startsWith("lora") ? "lora" : "baseline";
            double[] train = rs.stream().mapToDouble(Curves.Run::finalTrainLoss).toArray();
            double[] val = rs.stream().mapToDouble(Curves.Run::finalValLoss).toArray();
            double[] ppl = rs.stream().mapToDouble(r -> Math.exp(r.finalValLoss())).toArray();
            double[] base = byArm.getOrDefault(baseline, rs).stream().mapToDouble(Curves.Run::finalValLoss).toArray();
            double rel = mean(val) / mean(base) - 1;
            double relPpl = Math.exp(mean(val) - mean(base)) - 1;
            long rescales = rs.stream().mapToLong(r -> r.events().size()).sum() / rs.size();
            double worst = rs.stream().flatMap(r -> r.events().stream()).mapToDouble(Curves.Event::maxRelDiff).max().orElse(0);
            double wall = rs.stream().mapToDouble(Curves.Run::seconds).average().orElse(0);
            md.append(String.format(Locale.ROOT, "| %s | %d | %.4f ± %.4f | %.4f ± %.4f | %.3f ± %.3f | %s | %s | %d | %s | %.0f |%n",
                e.getKey(), rs.size(), mean(train), std(train), mean(val), std(val), mean(ppl), std(ppl),
                e.getKey().equals(baseline) ? "—" : String.format(Locale.ROOT, "%+.2f %%", 100 * rel),
                e.getKey().equals(baseline) ? "—" : String.format(Locale.ROOT, "%+.2f %%", 100 * relPpl),
                rescales, rs.stream().allMatch(r -> r.events().isEmpty()) ? "—" : String.format(Locale.ROOT, "%.1e", worst), wall));
        }
        md.append(String.format(Locale.ROOT, "%nLosses in nats per byte; perplexity = e^loss (per byte). Final train loss = mean of the last %d training steps' batch losses; "
            + "validation over %d fixed held-out windows of %d bytes. std = sample standard deviation over seeds.%n",
            TrainingRun.tail(s.steps()), s.evalWindows(), s.length()));
        return md.toString();
    }

    private static List<Path> concat(List<Path> a, List<Path> b) {
        List<Path> out = new ArrayList<>(a);
        out.addAll(b);
        return out;
    }

    static double mean(double[] v) {
        double m = 0;
        for (double x : v) m += x;
        return m / v.length;
    }

    static double std(double[] v) {
        if (v.length < 2) return 0;
        double m = mean(v), ss = 0;
        for (double x : v) ss += (x - m) * (x - m);
        return Math.sqrt(ss / (v.length - 1));
    }
}
