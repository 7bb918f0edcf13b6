package dev.wisca.samples.experiment;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.Trainer;
import ai.djl.training.listener.TrainingListener;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import dev.wisca.hooks.HookReport;
import dev.wisca.hooks.djl.OptimizerMoments;
import dev.wisca.hooks.djl.WiscaTrainingListener;
import dev.wisca.rescale.solve.SiteReport;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Trains one arm with one seed: the same seed gives the same initialization and the same data
 * order in every arm; the arms differ only in the WISCA listener. The loop is EasyTrain's order:
 * forward and backward in a gradient collector, then the listeners' {@code onTrainingBatch}, then
 * {@code trainer.step()}.
 */
final class TrainingRun implements AutoCloseable {
    private final Settings s;
    private final Arm arm;
    private final int seed;
    private final Model model;
    private final TinyLlama block;
    private final Trainer trainer;
    private final WiscaTrainingListener listener;
    private final int[][] probe;
    private final List<Curves.Event> events = new ArrayList<>();
    private final int steps;
    private float[] before;
    private double imbalanceBefore;

    /**
     * @param base  weights (by HF name) to start from and freeze (LoRA fine-tuning), or null to pre-train
     * @param probe the fixed batch on which outputs are compared at every rescale
     */
    TrainingRun(Settings s, Arm arm, int seed, Map<String, float[]> base, int[][] probe) {
        this.s = s;
        this.arm = arm;
        this.seed = seed;
        this.probe = probe;
        this.steps = arm.lora() ? s.loraSteps() : s.steps();
        Engine.getInstance().setRandomSeed(seed);
        block = new TinyLlama(s.model(), arm.lora() ? new DecoderLayer.Lora(s.loraRank(), 2.0 * s.loraRank()) : null);
        model = Model.newInstance(arm.name() + "-" + seed, Device.cpu());
        model.setBlock(block);
        float lr = arm.lora() ? s.loraLearningRate() : s.learningRate();
        Tracker schedule = Tracker.warmUp().optWarmUpBeginValue(0f).optWarmUpSteps(s.warmup())
            .setMainTracker(Tracker.cosine().setBaseValue(lr).optFinalValue(lr * 0.1f).setMaxUpdates(steps).build()).build();
        Optimizer adamW = Optimizer.adamW().optLearningRateTracker(schedule).optWeightDecays(s.weightDecay()).build();
        DefaultTrainingConfig config = new DefaultTrainingConfig(new NextTokenLoss(s.model().vocab()))
            .optOptimizer(adamW).optDevices(new Device[] {Device.cpu()});
        if (arm.rescales()) {
            WiscaTrainingListener.Builder b = WiscaTrainingListener.builder(s.model().toHfConfig())
                .options(arm.options()).schedule(arm.schedule()).renaming(TinyLlama.HF_NAMES)
                .optimizer(adamW, OptimizerMoments.Policy.TRANSFORM).observer(new Observer());
            if (arm.lora()) b.adapter(HfCheckpoint.adapterConfig(s.loraRank())).renaming(TinyLlama.HF_NAMES.keeping(".*\\.lora_[AB]\\.weight"));
            listener = b.build();
            config.addTrainingListeners(listener);
        } else {
            listener = null;
        }
        trainer = model.newTrainer(config);
        trainer.initialize(new Shape(s.batch(), s.length()));
        if (base != null) loadAndFreeze(base);
    }

    /** Trains on {@code corpus}; logs the training loss every step and the validation loss every evalEvery steps. */
    Curves.Run train(Corpus corpus, Consumer<String> progress) {
        Random order = new Random(seed * 7919L + 17);
        int[][] validation = corpus.validationWindows(s.evalWindows(), s.length());
        List<Curves.Point> points = new ArrayList<>();
        long start = System.nanoTime();
        double lastVal = Double.NaN;
        double trainTail = 0;
        int tail = tail(steps);
        for (int step = 0; step < steps; step++) {
            if (step % s.evalEvery() == 0) {
                lastVal = validationLoss(validation);
                points.add(new Curves.Point(arm.name(), seed, "val", step, lastVal, seconds(start)));
                progress.accept(String.format(Locale.ROOT, "  %s seed %d step %d: val %.4f (%.0f s)", arm.name(), seed, step, lastVal, seconds(start)));
            }
            double loss = trainStep(corpus.trainWindows(order, s.batch(), s.length()), step);
            points.add(new Curves.Point(arm.name(), seed, "train", step, loss, seconds(start)));
            if (!Double.isFinite(loss)) {
                progress.accept(String.format(Locale.ROOT, "  %s seed %d: training loss %s at step %d; run stopped", arm.name(), seed, loss, step));
                return new Curves.Run(arm.name(), seed, points, List.copyOf(events), seconds(start), Double.NaN, Double.NaN);
            }
            if (step >= steps - tail) trainTail += loss / tail;
        }
        lastVal = validationLoss(validation);
        points.add(new Curves.Point(arm.name(), seed, "val", steps, lastVal, seconds(start)));
        return new Curves.Run(arm.name(), seed, points, List.copyOf(events), seconds(start), trainTail, lastVal);
    }

    /** How many final training steps the reported final training loss averages: a fifth of the run, at most 50. */
    static int tail(int steps) { return Math.max(1, Math.min(50, steps / 5)); }

    private double trainStep(int[][] windows, int step) {
        try (NDManager m = trainer.getManager().newSubManager()) {
            NDList[] xy = inputsAndTargets(m, windows);
            NDArray loss;
            try (GradientCollector collector = trainer.newGradientCollector()) {
                NDList logits = trainer.forward(xy[0], xy[1]);
                loss = trainer.getLoss().evaluate(xy[1], logits);
                collector.backward(loss);
            }
            double value = loss.getFloat();
            TrainingListener.BatchData data = new TrainingListener.BatchData(null, Map.of(), Map.of());
            trainer.notifyListeners(l -> l.onTrainingBatch(trainer, data));
            trainer.step();
            return value;
        }
    }

    double validationLoss(int[][] windows) {
        double total = 0;
        int batches = 0;
        for (int i = 0; i < windows.length; i += s.batch()) {
            int[][] chunk = Arrays.copyOfRange(windows, i, Math.min(windows.length, i + s.batch()));
            try (NDManager m = trainer.getManager().newSubManager()) {
                NDList[] xy = inputsAndTargets(m, chunk);
                total += trainer.getLoss().evaluate(xy[1], trainer.evaluate(xy[0])).getFloat();
                batches++;
            }
        }
        return total / batches;
    }

    /** Logits on the probe batch, flattened. */
    float[] probeLogits() {
        try (NDManager m = trainer.getManager().newSubManager()) {
            return trainer.evaluate(inputsAndTargets(m, probe)[0]).head().toFloatArray();
        }
    }

    private static NDList[] inputsAndTargets(NDManager m, int[][] windows) {
        int b = windows.length, t = windows[0].length - 1;
        long[] x = new long[b * t], y = new long[b * t];
        for (int i = 0; i < b; i++) {
            for (int j = 0; j < t; j++) {
                x[i * t + j] = windows[i][j];
                y[i * t + j] = windows[i][j + 1];
            }
        }
        return new NDList[] {new NDList(m.create(x, new Shape(b, t))), new NDList(m.create(y, new Shape(b, t)))};
    }

    private void loadAndFreeze(Map<String, float[]> base) {
        for (var e : block.getParameters()) {
            String name = TinyLlama.HF_NAMES.apply(e.getKey());
            float[] values = base.get(name);
            if (values == null) continue;
            Parameter p = e.getValue();
            try (NDManager m = p.getArray().getManager().newSubManager()) {
                // An indexed put copies; copyTo would alias the temporary's buffer (see OptimizerMoments.overwrite).
                p.getArray().set(new NDIndex("..."), m.create(values, p.getArray().getShape()));
            }
        }
        for (Parameter p : block.baseParameters()) p.freeze(true);
    }

    /** Every parameter by HF name, as f32 arrays. */
    Map<String, float[]> weights() { return block.weights(); }

    Map<String, long[]> shapes() { return block.shapes(); }

    TinyLlama block() { return block; }

    WiscaTrainingListener listener() { return listener; }

    private static double seconds(long start) { return (System.nanoTime() - start) / 1e9; }

    /** Compares probe outputs right before and after each rescale and measures the balance after it. */
    private final class Observer implements WiscaTrainingListener.Observer {
        @Override
        public void before(long step) {
            before = probeLogits();
        }

        @Override
        public void after(long step, HookReport report) {
            float[] after = probeLogits();
            double maxAbs = 0, maxLogit = 0;
            for (int i = 0; i < after.length; i++) {
                maxAbs = Math.max(maxAbs, Math.abs(after[i] - before[i]));
                maxLogit = Math.max(maxLogit, Math.abs(before[i]));
            }
            double imbalance = arm.lora() ? Balance.lora(listener.store().byName())
                : Balance.worst(listener.store().byName(), s.model(), arm.options().sites().pairs(), arm.options().sites().granularity());
            double worstBefore = report.sites().stream().mapToDouble(SiteReport::imbalanceBefore).max().orElse(0);
            StringBuilder scales = new StringBuilder();
            for (SiteReport site : report.sites()) {
                if (!scales.isEmpty()) scales.append(' ');
                scales.append(String.format(Locale.ROOT, "%s=%.4g[%.4g,%.4g]", site.id(), site.geoMeanScale(), site.minScale(), site.maxScale()));
            }
            long scaled = WiscaTrainingListener.momentsScaled(report);
            events.add(new Curves.Event(arm.name(), seed, step, maxAbs, maxAbs / Math.max(maxLogit, 1e-30), worstBefore, imbalance,
                report.sites().size(), scales.toString(), scaled + " scaled, " + report.momentsReset() + " reset"));
        }
    }

    @Override
    public void close() {
        trainer.close();
        model.close();
    }
}
