package dev.wisca.samples.experiment;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import java.util.function.Consumer;

/**
 * Does WISCA help? A miniature of the paper's experiments run with wisca's own DJL hook.
 * {@code bin/experiment [--smoke] [--out DIR] [--seeds N] [--steps N] [--arms a,b] [--replot]}: pre-trains a tiny llama on
 * the Debian {@code fortunes} text in every arm and seed, fine-tunes the pretrained baseline with
 * LoRA on held-out fortune categories with and without WISCA on the adapters, and writes
 * {@code curves.csv}, {@code events.csv}, {@code loss.svg}, {@code summary.md} and the final
 * checkpoints (Hugging Face layout) under the output folder. {@code --replot} redraws summary.md and
 * loss.svg from an output folder's CSV files.
 */
public final class Experiment {
    /** Fortune files held out of pre-training: the LoRA arm's "different text". */
    static final List<String> LORA_FILES = List.of("literature", "songs-poems", "wisdom", "love", "people");
    static final Path FORTUNES = Path.of("/usr/share/games/fortunes");

    private Experiment() {}

    public static void main(String[] args) {
        boolean smoke = false;
        Path out = Path.of("experiment-out");
        Integer seeds = null, steps = null;
        List<String> only = null;
        boolean replot = false;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--smoke" -> smoke = true;
                case "--out" -> out = Path.of(args[++i]);
                case "--seeds" -> seeds = Integer.parseInt(args[++i]);
                case "--steps" -> steps = Integer.parseInt(args[++i]);
                case "--arms" -> only = List.of(args[++i].split(","));
                case "--replot" -> replot = true;
                default -> {
                    System.err.println("usage: experiment [--smoke] [--out DIR] [--seeds N] [--steps N] [--arms a,b,...] [--replot]");
                    System.exit(2);
                }
            }
        }
        Settings s = smoke ? Settings.smoke(out) : Settings.full(out);
        if (seeds != null) s = s.withSeeds(seeds);
        if (steps != null) s = s.withSteps(steps);
        if (replot) {
            System.out.println("wrote " + ResultFiles.drawings(s, CurvesCsv.read(s.out())));
            return;
        }
        Report report = run(s, only, line -> System.out.println(line));
        System.out.println("wrote " + report.files());
    }

    /** What a run wrote. */
    public record Report(List<Curves.Run> runs, List<Path> files) {}

    /** Runs every arm (or those named in {@code only}, null = all) with every seed and writes the result files. */
    public static Report run(Settings s, List<String> only, Consumer<String> log) {
        Corpus pretrain = Corpus.read("fortunes (pre-training)", fortuneFiles(false), 100_000);
        Corpus lora = Corpus.read("fortunes: " + String.join(", ", LORA_FILES) + " (LoRA)", fortuneFiles(true), 20_000);
        log.accept(String.format(Locale.ROOT, "corpus: %s %d train / %d validation bytes; %s %d / %d", pretrain.name(),
            pretrain.trainBytes(), pretrain.validationBytes(), lora.name(), lora.trainBytes(), lora.validationBytes()));
        int[][] probe = pretrain.validationWindows(Math.min(4, s.batch()), s.length());
        int[][] loraProbe = lora.validationWindows(Math.min(4, s.batch()), s.length());
        List<Curves.Run> runs = new ArrayList<>();
        Consumer<String> progress = Boolean.getBoolean("wisca.experiment.progress") ? log : line -> {};
        Path checkpoints = s.out().resolve("checkpoints");
        for (int seed = 0; seed < s.seeds(); seed++) {
            Map<String, float[]> pretrained = null;
            for (Arm arm : Arms.pretraining(s.wiscaEvery())) {
                if (only != null && !only.contains(arm.name()) && !arm.name().equals("baseline")) continue;
                try (TrainingRun run = new TrainingRun(s, arm, seed, null, probe)) {
                    Curves.Run r = run.train(pretrain, progress);
                    runs.add(r);
                    log.accept(line(r));
                    HfCheckpoint.writeModel(checkpoints.resolve(arm.name() + "-seed" + seed), s.model(), run.weights(), run.shapes());
                    if (arm.name().equals("baseline")) pretrained = run.weights();
                }
            }
            for (Arm arm : Arms.lora(loraEvery(s))) {
                if (only != null && !only.contains(arm.name())) continue;
                try (TrainingRun run = new TrainingRun(s, arm, seed, pretrained, loraProbe)) {
                    Curves.Run r = run.train(lora, progress);
                    runs.add(r);
                    log.accept(line(r));
                    HfCheckpoint.writeAdapter(checkpoints.resolve(arm.name() + "-seed" + seed), s.loraRank(), run.weights(), run.shapes());
                }
            }
        }
        List<Path> files = ResultFiles.write(s, runs);
        return new Report(runs, files);
    }

    /** The LoRA arm rescales four times per fine-tuning run (a quarter of its steps apart). */
    static int loraEvery(Settings s) { return Math.max(1, s.loraSteps() / 4); }

    private static String line(Curves.Run r) {
        double worstRel = r.events().stream().mapToDouble(Curves.Event::maxRelDiff).max().orElse(0);
        double worstImbalance = r.events().stream().mapToDouble(Curves.Event::imbalanceAfter).filter(d -> !Double.isNaN(d)).max().orElse(0);
        return String.format(Locale.ROOT, "%-26s seed %d: train %.4f  val %.4f (ppl %.3f)  %.1f s  rescales %d  max rel diff %.2e  max imbalance after %.2e",
            r.arm(), r.seed(), r.finalTrainLoss(), r.finalValLoss(), Math.exp(r.finalValLoss()), r.seconds(), r.events().size(), worstRel, worstImbalance);
    }

    /** Plain-text fortune files (not the .dat indexes or .u8 links), with or without the LoRA categories. */
    static List<Path> fortuneFiles(boolean loraPart) {
        if (!Files.isDirectory(FORTUNES)) {
            throw new WiscaException(ErrorKind.IO, FORTUNES, null, "no fortunes corpus: install the Debian package 'fortunes' (bin/experiment does)");
        }
        try (Stream<Path> files = Files.list(FORTUNES)) {
            return files.filter(Files::isRegularFile)
                .filter(p -> !p.getFileName().toString().contains("."))
                .filter(p -> LORA_FILES.contains(p.getFileName().toString()) == loraPart)
                .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
