package dev.wisca.hooks.djl;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ai.djl.Device;
import ai.djl.Model;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.index.NDIndex;
import ai.djl.ndarray.types.Shape;
import ai.djl.nn.AbstractBlock;
import ai.djl.nn.Parameter;
import ai.djl.training.DefaultTrainingConfig;
import ai.djl.training.GradientCollector;
import ai.djl.training.ParameterStore;
import ai.djl.training.Trainer;
import ai.djl.training.initializer.NormalInitializer;
import ai.djl.training.loss.Loss;
import ai.djl.training.optimizer.AdamW;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import ai.djl.util.PairList;
import dev.wisca.hooks.IndexStats;
import dev.wisca.hooks.MemoryParameterStore;
import dev.wisca.hooks.MomentUpdate;
import dev.wisca.hooks.StatQuery;
import dev.wisca.io.Dtype;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.graph.Axis;
import java.lang.reflect.Field;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The DJL store against the reference {@link MemoryParameterStore} (plain f64 Java loops) on the same
 * values: statistics with prior factors on both axes, 1-D, 2-D and 3-D tensors, offset gains,
 * in-place scaling; and the optimizer state against values captured before the call.
 */
@Tag("slow")
class DjlParameterStoreTest {
    private static final Map<String, long[]> SHAPES = Map.of("w2", new long[] {6, 4}, "w1", new long[] {5}, "w3", new long[] {2, 3, 4});

    /** Parameters of arbitrary shapes; forward = Σ_p Σ (p² · c_p) so every parameter gets a gradient. */
    static final class Params extends AbstractBlock {
        Params() {
            super((byte) 1);
            SHAPES.forEach((name, shape) -> addParameter(Parameter.builder().setName(name).setType(Parameter.Type.WEIGHT)
                .optShape(new Shape(shape)).optInitializer(new NormalInitializer(1f)).build()));
        }

        @Override
        protected NDList forwardInternal(ParameterStore ps, NDList inputs, boolean training, PairList<String, Object> params) {
            NDArray total = null;
            double c = 1;
            for (Parameter p : getDirectParameters().values()) {
                NDArray term = ps.getValue(p, inputs.head().getDevice(), training).square().mul(c).sum().add(inputs.head().sum());
                total = total == null ? term : total.add(term);
                c += 0.5;
            }
            return new NDList(total);
        }

        @Override
        public Shape[] getOutputShapes(Shape[] inputShapes) { return new Shape[] {new Shape()}; }
    }

    /** The forward's output is the loss. */
    static final class OutputLoss extends Loss {
        OutputLoss() { super("output"); }

        @Override
        public NDArray evaluate(NDList labels, NDList predictions) { return predictions.head(); }
    }

    private Model model;
    private Trainer trainer;
    private Optimizer optimizer;
    private Params block;

    @BeforeEach
    void setUp() {
        ai.djl.engine.Engine.getInstance().setRandomSeed(7);
        block = new Params();
        model = Model.newInstance("store-test", Device.cpu());
        model.setBlock(block);
        optimizer = Optimizer.adamW().optLearningRateTracker(Tracker.fixed(0.01f)).build();
        trainer = model.newTrainer(new DefaultTrainingConfig(new OutputLoss()).optOptimizer(optimizer));
        trainer.initialize(new Shape(1));
    }

    @AfterEach
    void tearDown() {
        trainer.close();
        model.close();
    }

    private void backward() {
        try (NDManager m = trainer.getManager().newSubManager(); GradientCollector gc = trainer.newGradientCollector()) {
            NDList in = new NDList(m.zeros(new Shape(1)));
            gc.backward(trainer.getLoss().evaluate(in, trainer.forward(in)));
        }
    }

    private MemoryParameterStore reference(DjlParameterStore store) {
        MemoryParameterStore ref = new MemoryParameterStore();
        store.byName().forEach((name, p) -> ref.put(name, Dtype.F32, p.getArray().getShape().getShape(), values(p.getArray())));
        return ref;
    }

    private static double[] values(NDArray a) {
        float[] f = a.toFloatArray();
        double[] d = new double[f.length];
        for (int i = 0; i < f.length; i++) d[i] = f[i];
        return d;
    }

    private static double[] random(Random r, int n) {
        double[] v = new double[n];
        for (int i = 0; i < n; i++) v[i] = 0.5 + r.nextDouble();
        return v;
    }

    private static int rows(long[] s) { return (int) (s.length == 3 ? s[0] * s[1] : s[0]); }

    private static int cols(long[] s) { return (int) (s.length == 3 ? s[0] * s[2] : s.length == 2 ? s[1] : 1); }

    @Test
    void statisticsMatchTheReferenceWithPriorFactors() {
        DjlParameterStore store = DjlParameterStore.of(block, ParameterRenaming.identity(), OptimizerMoments.none());
        MemoryParameterStore ref = reference(store);
        Random r = new Random(1);
        for (var e : SHAPES.entrySet()) {
            long[] s = e.getValue();
            double[] rows = random(r, rows(s)), cols = random(r, cols(s));
            int batches = s.length == 3 ? (int) s[0] : 1;
            for (int b = 0; b < batches; b++) {
                for (Axis axis : s.length == 1 ? new Axis[] {Axis.ROWS} : Axis.values()) {
                    for (boolean offset : new boolean[] {false, true}) {
                        if (offset && s.length != 1) continue;
                        StatQuery q = new StatQuery(e.getKey(), s.length == 3 ? b : -1, axis, offset);
                        assertClose(ref.statistics(q, rows, cols), store.statistics(q, rows, cols), q.toString());
                        assertClose(ref.statistics(q, null, null), store.statistics(q, null, null), q + " without priors");
                    }
                }
            }
        }
    }

    private static void assertClose(IndexStats want, IndexStats got, String what) {
        assertArrayEquals(want.sum(), got.sum(), 1e-9, what + " sum");
        assertArrayEquals(want.absSum(), got.absSum(), 1e-9, what + " |v|");
        assertArrayEquals(want.sqSum(), got.sqSum(), 1e-9, what + " v²");
        assertArrayEquals(want.absMax(), got.absMax(), 1e-12, what + " max");
    }

    @Test
    void scaleMatchesTheReferenceAndRoundsOnce() {
        DjlParameterStore store = DjlParameterStore.of(block, ParameterRenaming.identity(), OptimizerMoments.none());
        MemoryParameterStore ref = reference(store);
        Random r = new Random(2);
        for (var e : SHAPES.entrySet()) {
            long[] s = e.getValue();
            double[] rows = random(r, rows(s)), cols = random(r, cols(s));
            boolean offset = s.length == 1;
            if (offset) cols = new double[] {1.0};
            ref.scale(e.getKey(), rows, cols, offset);
            store.scale(e.getKey(), rows, cols, offset);
            assertArrayEquals(ref.values(e.getKey()), values(store.byName().get(e.getKey()).getArray()), 0.0, e.getKey());
        }
    }

    @Test
    void adamWMomentsAndPendingGradientsAreTransformed() throws Exception {
        backward();
        trainer.step();
        backward();
        DjlParameterStore store = DjlParameterStore.of(block, ParameterRenaming.identity(), OptimizerMoments.of(optimizer, OptimizerMoments.Policy.TRANSFORM));
        Parameter w = store.byName().get("w2");
        double[] m = values(state(AdamW.class, "means").get(w.getId()).get(Device.cpu()));
        double[] v = values(state(AdamW.class, "variances").get(w.getId()).get(Device.cpu()));
        double[] g = values(w.getArray().getGradient());
        double[] mr = random(new Random(3), 6), mc = random(new Random(4), 4);
        assertEquals(MomentUpdate.SCALED, store.scaleMoments("w2", mr, mc));
        double[] m2 = values(state(AdamW.class, "means").get(w.getId()).get(Device.cpu()));
        double[] v2 = values(state(AdamW.class, "variances").get(w.getId()).get(Device.cpu()));
        double[] g2 = values(w.getArray().getGradient());
        for (int i = 0; i < 6; i++) {
            for (int j = 0; j < 4; j++) {
                int k = i * 4 + j;
                double f = mr[i] * mc[j];
                assertEquals((float) (m[k] * f), m2[k], 0.0, "m");
                assertEquals((float) (v[k] * f * f), v2[k], 0.0, "v");
                assertEquals((float) (g[k] * f), g2[k], 0.0, "g");
            }
        }
    }

    @Test
    void resetDropsTheStateAndNoneBeforeTheFirstStep() throws Exception {
        DjlParameterStore store = DjlParameterStore.of(block, ParameterRenaming.identity(), OptimizerMoments.of(optimizer, OptimizerMoments.Policy.RESET));
        double[] ones6 = {1, 1, 1, 1, 1, 1}, ones4 = {1, 1, 1, 1};
        assertEquals(MomentUpdate.NONE, store.scaleMoments("w2", ones6, ones4), "no state before the first step");
        backward();
        trainer.step();
        String id = store.byName().get("w2").getId();
        assertTrue(state(AdamW.class, "means").containsKey(id));
        assertEquals(MomentUpdate.RESET, store.scaleMoments("w2", ones6, ones4));
        assertNull(state(AdamW.class, "means").get(id));
        assertNull(state(AdamW.class, "variances").get(id));
        backward();
        trainer.step(); // the optimizer starts the parameter again from zero state
        assertTrue(state(AdamW.class, "means").containsKey(id));
    }

    @Test
    void unknownOptimizersAndNameClashesAreRefused() {
        Optimizer custom = new Optimizer(Optimizer.sgd().setLearningRateTracker(Tracker.fixed(0.1f))) {
            @Override
            public void update(String parameterId, NDArray weight, NDArray grad) {}
        };
        assertThrows(WiscaException.class, () -> OptimizerMoments.of(custom, OptimizerMoments.Policy.TRANSFORM));
        assertThrows(WiscaException.class, () -> DjlParameterStore.of(block, n -> "same", OptimizerMoments.none()));
        DjlParameterStore store = DjlParameterStore.of(block, ParameterRenaming.identity(), OptimizerMoments.none());
        assertThrows(WiscaException.class, () -> store.scale("absent", new double[1], new double[1], false));
    }

    @Test
    void writesDoNotAliasTemporaries() {
        DjlParameterStore store = DjlParameterStore.of(block, ParameterRenaming.identity(), OptimizerMoments.none());
        NDArray a = store.byName().get("w1").getArray();
        double[] before = values(a);
        store.scale("w1", new double[] {2, 2, 2, 2, 2}, new double[] {1}, false);
        System.gc();
        try (NDManager m = trainer.getManager().newSubManager()) {
            for (int i = 0; i < 100; i++) m.randomNormal(new Shape(5)).add(1); // reuse freed memory, if any was aliased
        }
        double[] after = values(a);
        for (int i = 0; i < before.length; i++) assertEquals((float) (before[i] * 2), after[i], 0.0);
        assertEquals(5, a.get(new NDIndex("...")).size());
    }

    @SuppressWarnings("unchecked")
    private Map<String, Map<Device, NDArray>> state(Class<?> type, String field) throws Exception {
        Field f = type.getDeclaredField(field);
        f.setAccessible(true);
        return (Map<String, Map<Device, NDArray>>) f.get(optimizer);
    }
}
