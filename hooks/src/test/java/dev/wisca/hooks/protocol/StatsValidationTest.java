package dev.wisca.hooks.protocol;

import dev.wisca.rescale.spec.SpecChoice;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wisca.hooks.MemoryParameterStore;
import dev.wisca.hooks.protocol.Messages.DescribeResponse;
import dev.wisca.hooks.protocol.Messages.FactorEntry;
import dev.wisca.hooks.protocol.Messages.OptionsEntry;
import dev.wisca.hooks.protocol.Messages.ParameterEntry;
import dev.wisca.rescale.solve.SiteReport;
import dev.wisca.hooks.protocol.Messages.SolveRequest;
import dev.wisca.hooks.protocol.Messages.SolveResponse;
import dev.wisca.hooks.protocol.Messages.StatVectors;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * Issue 11 §6: statistics and shapes a client sends are checked: negative sums, NaN/Inf, values the
 * dtype cannot hold and shapes whose products overflow are 400s with a reason (never 500); solved
 * scales stay inside the clamp whatever the statistics.
 */
class StatsValidationTest {
    final LocalPlanService service = new LocalPlanService(SpecChoice.byModelType(), 8);
    final ProtocolHandler handler = new ProtocolHandler(service, service::sessions);

    private ProtocolHandler.Reply post(String op, Object request) {
        return handler.handleBody(op, ProtocolJson.write(request).getBytes(StandardCharsets.UTF_8));
    }

    private DescribeResponse describe(String dtype, OptionsEntry options) {
        ProtocolHandler.Reply r = post("describe", ProtocolFixtures.describe(dtype, options));
        assertEquals(200, r.status(), String.valueOf(r.error()));
        return ProtocolJson.read(r.body(), DescribeResponse.class);
    }

    /** Solves stage 0 with the model's own statistics, after {@code change} edited the first request's vectors. */
    private ProtocolHandler.Reply solveWith(String dtype, Consumer<StatVectors> change) {
        DescribeResponse d = describe(dtype, null);
        List<StatVectors> stats = ProtocolFixtures.stats(d, 0, ProtocolFixtures.store());
        change.accept(stats.getFirst());
        return post("solve", new SolveRequest(d.session(), 0, stats));
    }

    private static void assert400(ProtocolHandler.Reply r, String... words) {
        assertEquals(400, r.status(), String.valueOf(r.error()));
        for (String w : words) assertTrue(r.error().message().contains(w), r.error().message() + " lacks " + w);
    }

    @Test
    void theModelsOwnStatisticsSolve() {
        assertEquals(200, solveWith("F32", v -> {}).status());
    }

    @Test
    void negativeOrNonFiniteStatisticsAre400NamingTheVectorAndIndex() {
        assert400(solveWith("F32", v -> v.absSum()[1] = -1), "absSum[1]", "negative", "request 0");
        assert400(solveWith("F32", v -> v.sqSum()[0] = -1e-3), "sqSum[0]", "negative");
        assert400(solveWith("F32", v -> v.absMax()[0] = -0.5), "absMax[0]", "negative");
        assert400(solveWith("F32", v -> v.sum()[2] = Double.NaN), "sum[2]", "not finite");
        assert400(solveWith("F32", v -> v.absSum()[0] = Double.NaN), "absSum[0]", "not finite");
        assert400(solveWith("F32", v -> v.absMax()[0] = Double.POSITIVE_INFINITY), "absMax[0]", "not finite");
        assert400(solveWith("F32", v -> v.sqSum()[0] = Double.NEGATIVE_INFINITY), "sqSum[0]");
        assert400(solveWith("F32", v -> v.absMax()[0] = v.absSum()[0] * 2), "absMax[0]", "exceeds absSum");
        assert400(solveWith("F32", v -> v.sum()[0] = v.absSum()[0] * 3), "sum[0]", "exceeds absSum");
    }

    @Test
    void valuesTheDtypeCannotHoldAre400() {
        assert400(solveWith("F16", v -> { v.absMax()[0] = 70_000; v.absSum()[0] = 1e6; }), "absMax[0]", "dtype");
        assert400(solveWith("BF16", v -> { v.absMax()[0] = 1e39; v.absSum()[0] = 1e40; }), "absMax[0]", "dtype");
        assert400(solveWith("F32", v -> { v.absMax()[0] = 1e39; v.absSum()[0] = 1e40; }), "absMax[0]", "dtype");
        assert400(solveWith("F16", v -> v.absSum()[0] = 1e12), "absSum[0]", "dtype");
        assertEquals(200, solveWith("F64", v -> { v.absMax()[0] = 1e39; v.absSum()[0] = 1e40; }).status(), "F64 holds it");
    }

    private ProtocolHandler.Reply describeShapes(long[]... shapes) {
        var base = ProtocolFixtures.describe("F32", null);
        List<ParameterEntry> params = new ArrayList<>(base.parameters());
        for (int i = 0; i < shapes.length; i++) params.add(new ParameterEntry("extra." + i, "F32", shapes[i]));
        return post("describe", new Messages.DescribeRequest(params, base.config(), null, null));
    }

    @Test
    void shapesWhoseProductsOverflowAre400NotInternalErrors() {
        assert400(describeShapes(new long[] {1L << 40, 1L << 40}), "extra.0", "64-bit");
        assert400(describeShapes(new long[] {Long.MAX_VALUE}), "extra.0");
        assert400(describeShapes(new long[] {1L << 60}, new long[] {1L << 60}), "extra.1", "64-bit");
        assert400(describeShapes(new long[] {-4, 4}), "negative");
        assert400(describeShapes(new long[12]), "dimensions");
    }

    @Test
    void aSiteTensorOfTheWrongRankIsRefusedNotAnInternalError() {
        var base = ProtocolFixtures.describe("F32", null);
        for (long[] shape : new long[][] {{}, {2, 2, 2, 2}, {1, 1, 1, 1, 1}}) {
            List<ParameterEntry> params = base.parameters().stream()
                .map(p -> p.name().endsWith("0.self_attn.q_proj.weight") ? new ParameterEntry(p.name(), p.dtype(), shape) : p).toList();
            ProtocolHandler.Reply r = post("describe", new Messages.DescribeRequest(params, base.config(), null, null));
            assertTrue(r.status() >= 400 && r.status() < 500, shape.length + "-d: " + r.status() + " " + r.error());
            assertTrue(r.error().message().length() > 10, r.error().message());
        }
    }

    @Test
    void solvedScalesRespectTheClampWhateverTheStatistics() {
        for (String pow2 : new String[] {"off", "on"}) {
            for (double extreme : new double[] {1e-30, 1e-6, 1e6, 1e30}) {
                OptionsEntry clamp = new OptionsEntry(List.of("qk", "vo"), "channel", null, null, pow2, null, 0.3, 3.0, null);
                DescribeResponse d = describe("F32", clamp);
                MemoryParameterStore store = ProtocolFixtures.store();
                for (var p : store.parameters()) {
                    if (p.name().contains("q_proj") || p.name().contains("v_proj")) {
                        double[] w = store.values(p.name());
                        for (int i = 0; i < w.length; i++) w[i] *= extreme;
                    }
                }
                ProtocolHandler.Reply r = post("solve", new SolveRequest(d.session(), 0, ProtocolFixtures.stats(d, 0, store)));
                assertEquals(200, r.status(), String.valueOf(r.error()));
                SolveResponse s = ProtocolJson.read(r.body(), SolveResponse.class);
                for (SiteReport site : s.sites()) {
                    assertTrue(site.minScale() >= 0.3 && site.maxScale() <= 3.0, pow2 + " " + extreme + ": " + site);
                }
                for (FactorEntry f : s.factors()) {
                    for (double[] v : new double[][] {f.rows(), f.cols()}) {
                        for (double x : v) assertTrue(x >= 0.3 && x <= 1 / 0.3 + 1e-12, pow2 + " " + extreme + " " + f.tensor() + ": " + x);
                    }
                }
            }
        }
    }
}
