package dev.wisca.hooks.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.hooks.Fixtures;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.hooks.HookReport;
import dev.wisca.hooks.MemoryParameterStore;
import dev.wisca.hooks.MomentUpdate;
import dev.wisca.hooks.Schedule;
import dev.wisca.hooks.WiscaHook;
import dev.wisca.hooks.protocol.Messages.DescribeRequest;
import dev.wisca.hooks.protocol.Messages.DescribeResponse;
import dev.wisca.hooks.protocol.Messages.OptionsEntry;
import dev.wisca.hooks.protocol.Messages.ParameterEntry;
import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.rescale.plan.Planner;
import dev.wisca.rescale.lora.LoraSites;
import dev.wisca.rescale.plan.Plan;
import dev.wisca.rescale.plan.TensorFactors;
import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.rescale.synth.TinyAdapter;
import dev.wisca.rescale.synth.TinyModel.TinyTensor;
import dev.wisca.rescale.synth.TinyModelFiles;
import dev.wisca.rescale.synth.TinyModels;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * LoRA adapters through the protocol: the plan a loop gets from its own statistics equals the
 * offline plan over the adapter file, for the saved names and for a live PEFT model's names; the
 * hook balances every rank's A row against its B column and leaves each product BA as it was.
 */
class AdapterPlanTest {
    static final SpecLibrary LIBRARY = SpecLibrary.builtin();
    static final TinyAdapter ADAPTER = TinyModels.lora(LIBRARY, 4);
    static final String A = ".lora_A.weight", B = ".lora_B.weight";

    @TempDir Path dir;

    /** The adapter's tensors under {@code rename}, as F32 parameters with random Adam moments. */
    static MemoryParameterStore store(UnaryOperator<String> rename, long seed) {
        MemoryParameterStore store = new MemoryParameterStore();
        Random random = new Random(seed);
        for (TinyTensor t : ADAPTER.tensors()) {
            String name = rename.apply(t.name());
            store.put(name, Dtype.F32, t.shape(), t.values().clone());
            int n = t.values().length;
            store.putMoments(name, random.doubles(n, -1, 1).toArray(), random.doubles(n, 0.1, 1).toArray());
        }
        return store;
    }

    /** PEFT's in-memory name: the adapter ("default") between the factor and {@code .weight}. */
    static String live(String saved) {
        return saved.replace(".lora_A.weight", ".lora_A.default.weight").replace(".lora_B.weight", ".lora_B.default.weight");
    }

    @Test
    void serverPlanForAnAdapterEqualsTheOfflinePlanUnderSavedAndLiveNames() {
        Path folder = TinyModelFiles.writeAdapter(ADAPTER, dir.resolve("adapter"));
        Plan plan;
        try (Checkpoint ckpt = Checkpoint.open(folder)) {
            var sites = LoraSites.build(LIBRARY.lora(), ADAPTER.adapterConfig(), ckpt.tensors()).sites();
            plan = Planner.plan(ckpt, sites, RescaleSettings.paper().withParallelism(1));
        }
        assertEquals(ADAPTER.tensors().size(), plan.factors().size(), "every A and B is scaled");
        try (ProtocolHttpServer server = ProtocolHttpServer.start(LocalPlanService.builtin(), 0, 1, ProtocolHttpServer.DEFAULT_MAX_BODY_BYTES)) {
            PlanService http = new HttpPlanClient(URI.create(server.url()), server.token(), Duration.ofSeconds(30));
            compare(plan, n -> n, LocalPlanService.builtin());
            compare(plan, AdapterPlanTest::live, http);
        }
    }

    private static void compare(Plan plan, UnaryOperator<String> rename, PlanService service) {
        MemoryParameterStore store = store(rename, 5);
        WiscaHook hook = WiscaHook.forAdapter(store, service, ADAPTER.adapterConfig(), RescaleSettings.paper(), Schedule.atInit());
        DescribeResponse described = hook.describe();
        assertEquals(1, described.stages().size(), "LoRA sites solve in one stage");
        assertEquals(List.of(), described.skipped());
        HookReport report = hook.onStep(0).orElseThrow();
        assertEquals(plan.reports().size(), report.sites().size());
        assertEquals(plan.factors().size(), report.factors().size());
        for (TensorFactors f : plan.factors().values()) {
            HookReport.AppliedFactors h = report.factors().get(rename.apply(f.tensor()));
            assertTrue(h != null, "no factors for " + rename.apply(f.tensor()));
            double err = Math.max(Fixtures.relativeError(h.rows(), f.rows()), Fixtures.relativeError(h.cols(), f.cols()));
            assertTrue(err <= 1e-12, f.tensor() + ": factors differ by " + err);
            assertEquals(MomentUpdate.SCALED, report.moments().get(rename.apply(f.tensor())));
        }
    }

    @Test
    void hookBalancesEveryRankAndKeepsEveryProductAndScalesTheMoments() {
        MemoryParameterStore store = store(n -> n, 9);
        Map<String, double[]> before = new HashMap<>(), m0 = new HashMap<>(), v0 = new HashMap<>();
        for (var p : store.parameters()) {
            before.put(p.name(), store.values(p.name()).clone());
            m0.put(p.name(), store.firstMoment(p.name()).clone());
            v0.put(p.name(), store.secondMoment(p.name()).clone());
        }
        WiscaHook.forAdapter(store, LocalPlanService.builtin(), ADAPTER.adapterConfig(), RescaleSettings.paper(), Schedule.atInit()).apply(0);
        int modules = 0, unbalancedBefore = 0;
        for (var p : store.parameters()) {
            if (!p.name().endsWith(A)) continue;
            String bName = p.name().substring(0, p.name().length() - A.length()) + B;
            long[] aShape = p.shape(), bShape = store.parameters().stream().filter(q -> q.name().equals(bName)).findFirst().orElseThrow().shape();
            int r = (int) aShape[0], in = (int) aShape[1], out = (int) bShape[0];
            double[] a0 = before.get(p.name()), b0 = before.get(bName), a1 = store.values(p.name()), b1 = store.values(bName);
            double[][] ba0 = product(b0, a0, out, r, in), ba1 = product(b1, a1, out, r, in);
            double scale = 0;
            for (double[] row : ba0) for (double x : row) scale = Math.max(scale, Math.abs(x));
            for (int o = 0; o < out; o++) {
                for (int i = 0; i < in; i++) {
                    assertTrue(Math.abs(ba1[o][i] - ba0[o][i]) <= 1e-5 * scale, p.name() + ": BA changed at " + o + "," + i);
                }
            }
            for (int k = 0; k < r; k++) {
                double aNorm0 = 0, aNorm1 = 0, bNorm0 = 0, bNorm1 = 0;
                for (int i = 0; i < in; i++) {
                    aNorm0 += Math.abs(a0[k * in + i]);
                    aNorm1 += Math.abs(a1[k * in + i]);
                }
                for (int o = 0; o < out; o++) {
                    bNorm0 += Math.abs(b0[o * r + k]);
                    bNorm1 += Math.abs(b1[o * r + k]);
                }
                if (Math.abs(aNorm0 / bNorm0 - 1) > 0.05) unbalancedBefore++;
                assertEquals(1.0, aNorm1 / bNorm1, 1e-5, p.name() + " rank " + k + ": L1 of A row vs B column");
                double s = aNorm1 / aNorm0;
                assertEquals(1 / s, bNorm1 / bNorm0, 1e-5 / s, "B column divided by the A row's scale");
                checkMoments(m0.get(p.name()), v0.get(p.name()), store.firstMoment(p.name()), store.secondMoment(p.name()), k * in, in, 1, s);
                for (int o = 0; o < out; o++) {
                    checkMoments(m0.get(bName), v0.get(bName), store.firstMoment(bName), store.secondMoment(bName), o * r + k, 1, 1, 1 / s);
                }
            }
            modules++;
        }
        assertEquals(ADAPTER.tensors().size() / 2, modules);
        assertTrue(unbalancedBefore > modules, "the random adapter starts unbalanced: " + unbalancedBefore);
    }

    /** Elements [from, from + count) of the weight were multiplied by w: m must be divided by w, v by w². */
    private static void checkMoments(double[] m0, double[] v0, double[] m1, double[] v1, int from, int count, int stride, double w) {
        for (int k = from; k < from + count * stride; k += stride) {
            assertEquals(m0[k] / w, m1[k], 1e-5 * Math.abs(m0[k] / w), "m/s at " + k);
            assertEquals(v0[k] / (w * w), v1[k], 1e-5 * v0[k] / (w * w), "v/s² at " + k);
        }
    }

    private static double[][] product(double[] b, double[] a, int out, int r, int in) {
        double[][] ba = new double[out][in];
        for (int o = 0; o < out; o++) for (int k = 0; k < r; k++) for (int i = 0; i < in; i++) ba[o][i] += b[o * r + k] * a[k * in + i];
        return ba;
    }

    static List<ParameterEntry> parameters(UnaryOperator<String> rename) {
        List<ParameterEntry> out = new ArrayList<>();
        for (TinyTensor t : ADAPTER.tensors()) out.add(new ParameterEntry(rename.apply(t.name()), "F32", t.shape()));
        return out;
    }

    private static OptionsEntry pairs(String... pairs) {
        return new OptionsEntry(List.of(pairs), null, null, null, null, null, null, null, null);
    }

    @Test
    void adapterRequestsAreCheckedStrictly() {
        LocalPlanService service = LocalPlanService.builtin();
        JsonNode config = ADAPTER.adapterConfig();
        assertEquals(ADAPTER.tensors().size() / 2,
            service.describe(new DescribeRequest(parameters(n -> n), null, null, null, config)).sites(), "pairs default to lora");
        List<WiscaException> errors = new ArrayList<>();
        errors.add(assertThrows(WiscaException.class, () -> service.describe(new DescribeRequest(parameters(n -> n), null, null, pairs("qk", "lora"), config))));
        errors.add(assertThrows(WiscaException.class, () -> service.describe(new DescribeRequest(parameters(n -> n), null, null, pairs("lora"), null))));
        errors.add(assertThrows(WiscaException.class, () -> service.describe(new DescribeRequest(
            List.of(new ParameterEntry("model.norm.weight", "F32", new long[] {8})), null, null, null, config))));
        for (WiscaException e : errors) assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind(), e.getMessage());
        List<ParameterEntry> twoAdapters = new ArrayList<>(parameters(AdapterPlanTest::live));
        twoAdapters.add(new ParameterEntry(live(ADAPTER.tensors().get(0).name()).replace(".default.", ".other."), "F32", ADAPTER.tensors().get(0).shape()));
        WiscaException two = assertThrows(WiscaException.class, () -> service.describe(new DescribeRequest(twoAdapters, null, null, null, config)));
        assertEquals(ErrorKind.DUPLICATE_TENSOR, two.kind(), two.getMessage());
        List<ParameterEntry> noB = parameters(n -> n).stream().filter(p -> !p.name().equals(ADAPTER.tensors().get(1).name())).toList();
        WiscaException missing = assertThrows(WiscaException.class, () -> service.describe(new DescribeRequest(noB, null, null, null, config)));
        assertEquals(ErrorKind.TENSOR_NOT_FOUND, missing.kind(), missing.getMessage());
        WiscaException unknown = assertThrows(WiscaException.class, () -> ProtocolJson.read(
            "{\"parameters\":[],\"adapterConfig\":{},\"adapter\":{}}", DescribeRequest.class));
        assertTrue(unknown.getMessage().contains("adapter"), unknown.getMessage());
        String architecture = ProtocolJson.write(new DescribeRequest(parameters(n -> n), null, null, null));
        assertTrue(!architecture.contains("adapterConfig"), "a request without adapter reads on servers that predate adapters: " + architecture);
        DescribeRequest wire = ProtocolJson.read(ProtocolJson.write(new DescribeRequest(parameters(n -> n), null, null, null, config)), DescribeRequest.class);
        assertEquals(config, wire.adapterConfig());
    }
}
