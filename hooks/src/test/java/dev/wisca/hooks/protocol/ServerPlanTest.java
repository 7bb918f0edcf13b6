package dev.wisca.hooks.protocol;

import dev.wisca.rescale.spec.SpecChoice;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wisca.hooks.Fixtures;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.hooks.HookReport;
import dev.wisca.hooks.MemoryParameterStore;
import dev.wisca.hooks.MomentUpdate;
import dev.wisca.hooks.Schedule;
import dev.wisca.hooks.WiscaHook;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.rescale.plan.Planner;
import dev.wisca.rescale.apply.Apply;
import dev.wisca.rescale.graph.Granularity;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.graph.SiteOptions;
import dev.wisca.rescale.graph.SiteSets;
import dev.wisca.rescale.plan.Plan;
import dev.wisca.rescale.plan.TensorFactors;
import dev.wisca.rescale.solve.Pow2Mode;
import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.rescale.synth.TinyModel;
import dev.wisca.rescale.synth.TinyModelFiles;
import dev.wisca.rescale.synth.TinyModels;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The protocol's central promise: statistics measured by the loop (here an in-memory store behind
 * the HTTP server) give the same factors as the offline planner reading the checkpoint, for every
 * architecture's tiny model and staged option sets, and the applied weights equal the offline output.
 */
class ServerPlanTest {
    static final SpecLibrary LIBRARY = SpecLibrary.builtin();
    static ProtocolHttpServer server;
    static HttpPlanClient client;

    @TempDir Path dir;

    @BeforeAll
    static void start() {
        server = ProtocolHttpServer.start(new LocalPlanService(SpecChoice.byModelType(), 8), 0, 2, ProtocolHttpServer.DEFAULT_MAX_BODY_BYTES);
        client = new HttpPlanClient(URI.create(server.url()), server.token(), Duration.ofSeconds(30));
    }

    @AfterAll
    static void stop() { server.close(); }

    static List<RescaleSettings> optionSets() {
        EnumSet<Pair> all = EnumSet.of(Pair.QK, Pair.VO, Pair.UPDOWN, Pair.NORM, Pair.QKNORM);
        RescaleSettings d = RescaleSettings.paper();
        return List.of(d,
            d.withSites(new SiteOptions(all, Granularity.CHANNEL)),
            d.withSites(new SiteOptions(all, Granularity.KV_GROUP)).withSolver(d.solver().withFoldNorms(false).withAlpha(0.5)),
            d.withSites(new SiteOptions(EnumSet.of(Pair.QK, Pair.VO, Pair.UPDOWN), Granularity.TENSOR)).withSolver(d.solver().withPow2(Pow2Mode.ON)));
    }

    @Test
    void serverPlanFromClientStatisticsEqualsOfflinePlanForEveryArchitecture() {
        List<String> failures = new ArrayList<>();
        int compared = 0;
        long seed = 40;
        for (TinyModel model : TinyModels.all(LIBRARY, 7)) {
            Path folder = TinyModelFiles.write(model, dir.resolve(model.spec().name() + "-" + model.example()));
            for (RescaleSettings options : optionSets()) {
                MemoryParameterStore store = Fixtures.store(model);
                Random random = new Random(seed++);
                List<double[]> firstMoments = new ArrayList<>();
                for (var p : store.parameters()) {
                    double[] w = store.values(p.name());
                    double[] m = random.doubles(w.length, -1, 1).toArray();
                    double[] v = random.doubles(w.length, 0.1, 1).toArray();
                    firstMoments.add(m.clone());
                    store.putMoments(p.name(), m, v);
                }
                List<double[]> secondBefore = store.parameters().stream().map(p -> store.secondMoment(p.name()).clone()).toList();
                WiscaHook hook = new WiscaHook(store, client, model.config(), null, options, Schedule.atInit());
                HookReport report = hook.onStep(0).orElseThrow();
                RescaleSettings offline = RescaleSettings.paper().withSolver(options.solver()).withParallelism(1);
                Path out = dir.resolve("out-" + compared);
                try (Checkpoint ckpt = Checkpoint.open(folder)) {
                    var sites = SiteSets.build(model.spec(), model.config(), ckpt.tensors(), options.sites()).sites();
                    Plan plan = Planner.plan(ckpt, sites, offline);
                    Apply.run(ckpt, plan, out, offline);
                    String where = model + " " + options.sites() + " " + options.solver().norm();
                    if (!plan.factors().keySet().equals(report.factors().keySet())) {
                        failures.add(where + ": scaled tensors differ " + plan.factors().keySet() + " vs " + report.factors().keySet());
                        continue;
                    }
                    assertEquals(plan.reports().size(), report.sites().size(), where);
                    for (TensorFactors f : plan.factors().values()) {
                        HookReport.AppliedFactors h = report.factors().get(f.tensor());
                        double err = Math.max(Fixtures.relativeError(h.rows(), f.rows()), Fixtures.relativeError(h.cols(), f.cols()));
                        if (!(err <= 1e-12)) failures.add(where + " " + f.tensor() + ": factors differ by " + err);
                        assertEquals(MomentUpdate.SCALED, report.moments().get(f.tensor()));
                    }
                    try (Checkpoint rescaled = Checkpoint.open(out)) {
                        int idx = 0;
                        for (var p : store.parameters()) {
                            double[] expected = Fixtures.values(rescaled, p.name());
                            double[] actual = store.values(p.name());
                            for (int i = 0; i < expected.length; i++) {
                                if (Math.abs(expected[i] - actual[i]) > Math.ulp((float) expected[i])) {
                                    failures.add(where + " " + p.name() + "[" + i + "]: " + actual[i] + " vs offline " + expected[i]);
                                    break;
                                }
                            }
                            checkMoments(plan.factors().get(p.name()), firstMoments.get(idx), secondBefore.get(idx),
                                store.firstMoment(p.name()), store.secondMoment(p.name()), where, failures);
                            idx++;
                        }
                    }
                }
                compared++;
            }
        }
        assertTrue(failures.isEmpty(), String.join("\n", failures.subList(0, Math.min(20, failures.size()))));
        assertTrue(compared >= 40, "compared " + compared);
    }

    /** m' = m / (r c), v' = v / (r c)² element by element, from the offline plan's factors. */
    private static void checkMoments(TensorFactors f, double[] m0, double[] v0, double[] m1, double[] v1, String where, List<String> failures) {
        if (f == null) {
            if (Fixtures.relativeError(m1, m0) != 0 || Fixtures.relativeError(v1, v0) != 0) failures.add(where + ": untouched moments changed");
            return;
        }
        long[] s = f.shape();
        long b = s.length == 3 ? s[2] : s.length == 2 ? s[1] : 1;
        long a = s.length == 3 ? s[1] : s[0];
        double[] r = f.rows(), c = f.cols();
        for (int k = 0; k < m0.length; k++) {
            long g = k / b, j = k % b;
            double rc = r[(int) g] * c[(int) ((g / a) * b + j)];
            double em = m0[k] / rc, ev = v0[k] / (rc * rc);
            if (Math.abs(m1[k] - em) > 1e-12 * Math.abs(em) || Math.abs(v1[k] - ev) > 1e-12 * Math.abs(ev)) {
                failures.add(where + " " + f.tensor() + " moment " + k + ": " + m1[k] + "/" + v1[k] + " vs " + em + "/" + ev);
                return;
            }
        }
    }
}
