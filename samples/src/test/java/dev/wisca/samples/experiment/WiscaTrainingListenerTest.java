package dev.wisca.samples.experiment;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.EasyTrain;
import ai.djl.training.Trainer;
import ai.djl.training.dataset.Batch;
import ai.djl.training.optimizer.AdamW;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.translate.Batchifier;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.hooks.HookReport;
import dev.wisca.hooks.MomentUpdate;
import dev.wisca.hooks.Schedule;
import dev.wisca.hooks.djl.OptimizerMoments;
import dev.wisca.hooks.djl.WiscaTrainingListener;
import dev.wisca.rescale.graph.Granularity;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.graph.SiteOptions;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The DJL listener in DJL's own training loop ({@code EasyTrain.trainBatch} + {@code trainer.step()})
 * on a 2-layer GQA decoder (8 query / 2 KV heads) built from DJL blocks: outputs right before and
 * after every hook call agree within f32 rounding, the L1 balance holds afterwards (checked here
 * from the raw weights), AdamW's moments and the pending gradient follow the weights (or are reset),
 * and the loss keeps decreasing.
 */
@Tag("slow")
class WiscaTrainingListenerTest {
    private static final LlamaConfig CONFIG = new LlamaConfig(256, 32, 2, 8, 2, 48, 10000, 1e-5, 64);
    private static final int STEPS = 30, EVERY = 6, BATCH = 4, LENGTH = 16;

    /** Before/after captures of one hook call. */
    private record Capture(long step, double maxRelDiff, double qkLog, double voLog, double momentError, double gradError, HookReport report) {}

    @ParameterizedTest
    @EnumSource(OptimizerMoments.Policy.class)
    void rescalesEquivalentlyBalancesAndKeepsTraining(OptimizerMoments.Policy policy) throws Exception {
        Engine.getInstance().setRandomSeed(3);
        TinyLlama block = new TinyLlama(CONFIG, null);
        List<Capture> captures = new ArrayList<>();
        List<Double> losses = new ArrayList<>();
        try (Model model = Model.newInstance("listener-test", Device.cpu())) {
            model.setBlock(block);
            Optimizer adamW = Optimizer.adamW().optLearningRateTracker(Tracker.fixed(5e-3f)).optWeightDecays(0.01f).build();
            DefaultTrainingConfig config = new DefaultTrainingConfig(new NextTokenLoss(CONFIG.vocab())).optOptimizer(adamW)
                .optDevices(new Device[] {Device.cpu()});
            Probe probe = new Probe();
            WiscaTrainingListener listener = WiscaTrainingListener.builder(CONFIG.toHfConfig())
                .options(RescaleSettings.paper().withSites(new SiteOptions(EnumSet.of(Pair.QK, Pair.VO), Granularity.TENSOR)))
                .schedule(Schedule.every(EVERY)).renaming(TinyLlama.HF_NAMES).optimizer(adamW, policy)
                .observer(probe).build();
            config.addTrainingListeners(listener);
            try (Trainer trainer = model.newTrainer(config)) {
                trainer.initialize(new Shape(BATCH, LENGTH));
                probe.bind(trainer, block, adamW, captures);
                Random data = new Random(11);
                for (int step = 0; step < STEPS; step++) {
                    try (NDManager m = trainer.getManager().newSubManager()) {
                        NDList[] xy = batch(m, data);
                        try (Batch batch = new Batch(m, xy[0], xy[1], BATCH, Batchifier.STACK, Batchifier.STACK, step, STEPS)) {
                            EasyTrain.trainBatch(trainer, batch);
                            losses.add((double) trainer.getLoss().evaluate(xy[1], trainer.evaluate(xy[0])).getFloat());
                            trainer.step();
                        }
                    }
                }
            }
        }
        assertEquals(STEPS / EVERY - (STEPS % EVERY == 0 ? 1 : 0), captures.size(), "one rescale per scheduled step");
        for (Capture c : captures) {
            assertTrue(c.maxRelDiff < 1e-5, "outputs changed at step " + c.step + ": " + c.maxRelDiff);
            assertTrue(c.qkLog < 1e-5, "‖W_q‖₁ ≠ ‖W_k‖₁ after step " + c.step + ": |ln ratio| " + c.qkLog);
            assertTrue(c.voLog < 1e-5, "‖W_v‖₁ ≠ ‖W_o‖₁ after step " + c.step + ": |ln ratio| " + c.voLog);
            assertTrue(c.gradError < 1e-6, "pending gradient not rescaled at step " + c.step + ": " + c.gradError);
            if (policy == OptimizerMoments.Policy.TRANSFORM) {
                assertTrue(c.momentError < 1e-6, "moments not m/s, v/s² at step " + c.step + ": " + c.momentError);
                assertTrue(c.report.moments().values().stream().allMatch(m -> m == MomentUpdate.SCALED));
            } else {
                assertEquals(0.0, c.momentError, "moments must be dropped under RESET");
                assertTrue(c.report.moments().values().stream().allMatch(m -> m == MomentUpdate.RESET));
            }
        }
        // The first hook (GQA at init scale) moves far from balance: scales far from 1 were applied.
        assertTrue(captures.get(0).report.sites().stream().anyMatch(s -> Math.abs(Math.log(s.geoMeanScale())) > 0.1));
        double first = losses.subList(0, 5).stream().mapToDouble(d -> d).average().orElseThrow();
        double last = losses.subList(STEPS - 5, STEPS).stream().mapToDouble(d -> d).average().orElseThrow();
        assertTrue(last < first - 0.3, "loss must keep decreasing: " + first + " → " + last);
    }

    private static NDList[] batch(NDManager m, Random r) {
        long[] x = new long[BATCH * LENGTH], y = new long[BATCH * LENGTH];
        byte[] text = "the quick brown fox jumps over the lazy dog. ".repeat(8).getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (int b = 0; b < BATCH; b++) {
            int start = r.nextInt(text.length - LENGTH - 1);
            for (int t = 0; t < LENGTH; t++) {
                x[b * LENGTH + t] = text[start + t];
                y[b * LENGTH + t] = text[start + t + 1];
            }
        }
        return new NDList[] {new NDList(m.create(x, new Shape(BATCH, LENGTH))), new NDList(m.create(y, new Shape(BATCH, LENGTH)))};
    }

    /** Captures logits, q_proj's moments and gradient before a hook call, compares after. */
    private static final class Probe implements WiscaTrainingListener.Observer {
        private Trainer trainer;
        private TinyLlama block;
        private Optimizer optimizer;
        private List<Capture> captures;
        private float[] logits;
        private double[] m, v, g;
        private final NDList input;

        Probe() {
            long[] x = new long[2 * LENGTH];
            for (int i = 0; i < x.length; i++) x[i] = "wisca keeps the function; training continues".charAt(i % 40);
            input = new NDList(ai.djl.ndarray.NDManager.newBaseManager().create(x, new Shape(2, LENGTH)));
        }

        void bind(Trainer t, TinyLlama b, Optimizer o, List<Capture> into) {
            trainer = t;
            block = b;
            optimizer = o;
            captures = into;
        }

        private float[] logits() { return trainer.evaluate(input).head().toFloatArray(); }

        private Parameter param(String name) {
            return block.getParameters().stream().filter(p -> TinyLlama.HF_NAMES.apply(p.getKey()).equals(name)).findFirst().orElseThrow().getValue();
        }

        private static final String Q = "model.layers.0.self_attn.q_proj.weight";

        @Override
        public void before(long step) {
            logits = logits();
            Parameter q = param(Q);
            m = moment("means", q.getId());
            v = moment("variances", q.getId());
            g = doubles(q.getArray().getGradient().toFloatArray());
        }

        @Override
        public void after(long step, HookReport report) {
            float[] after = logits();
            double maxAbs = 0, maxLogit = 0;
            for (int i = 0; i < after.length; i++) {
                maxAbs = Math.max(maxAbs, Math.abs(after[i] - logits[i]));
                maxLogit = Math.max(maxLogit, Math.abs(logits[i]));
            }
            double qk = 0, vo = 0;
            for (int l = 0; l < CONFIG.layers(); l++) {
                String p = "model.layers." + l + ".self_attn.";
                qk = Math.max(qk, Math.abs(Math.log(l1(p + "q_proj.weight") / l1(p + "k_proj.weight"))));
                vo = Math.max(vo, Math.abs(Math.log(l1(p + "v_proj.weight") / l1(p + "o_proj.weight"))));
            }
            Parameter q = param(Q);
            double s = report.factors().get(Q).rows()[0]; // tensor-wise: one scale for all of W_q
            double[] g2 = doubles(q.getArray().getGradient().toFloatArray());
            double[] m2 = moment("means", q.getId()), v2 = moment("variances", q.getId());
            double momentError = 0, gradError = 0;
            for (int i = 0; i < g.length; i++) {
                gradError = Math.max(gradError, Math.abs(g2[i] - g[i] / s) / (Math.abs(g[i] / s) + 1e-30) * (Math.abs(g[i]) > 1e-30 ? 1 : 0));
                if (m2 != null && m != null) {
                    momentError = Math.max(momentError, relative(m2[i], m[i] / s));
                    momentError = Math.max(momentError, relative(v2[i], v[i] / (s * s)));
                }
            }
            captures.add(new Capture(step, maxAbs / maxLogit, qk, vo, momentError, gradError, report));
        }

        private static double relative(double got, double want) {
            return Math.abs(want) < 1e-30 ? Math.abs(got) : Math.abs(got - want) / Math.abs(want);
        }

        private double l1(String name) {
            double s = 0;
            for (float x : param(name).getArray().toFloatArray()) s += Math.abs(x);
            return s;
        }

        @SuppressWarnings("unchecked")
        private double[] moment(String field, String id) {
            try {
                Field f = AdamW.class.getDeclaredField(field);
                f.setAccessible(true);
                Map<String, Map<Device, NDArray>> state = (Map<String, Map<Device, NDArray>>) f.get(optimizer);
                Map<Device, NDArray> perDevice = state.get(id);
                return perDevice == null ? null : doubles(perDevice.get(Device.cpu()).toFloatArray());
            } catch (ReflectiveOperationException e) {
                throw new AssertionError(e);
            }
        }

        private static double[] doubles(float[] f) {
            double[] d = new double[f.length];
            for (int i = 0; i < f.length; i++) d[i] = f[i];
            return d;
        }
    }
}
