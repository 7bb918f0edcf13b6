package dev.wisca.sdk;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.TensorSpec;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.rescale.graph.Axis;
import dev.wisca.rescale.solve.SiteReport;
import dev.wisca.rescale.spec.SpecChoice;
import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.rescale.synth.TinyModel;
import dev.wisca.rescale.synth.TinyModelFiles;
import dev.wisca.rescale.synth.TinyModels;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A live plan solved from statistics a loop would measure (computed here, independently, from the tensors'
 * values) chooses the scales {@link Model#plan} chooses from the files of the same model.
 */
class LivePlannerTest {
    @TempDir Path dir;

    @Test
    void exactStatisticsGiveTheScalesOfTheOfflinePlan() throws Exception {
        TinyModel model = TinyModels.build(SpecLibrary.builtin().get("llama").orElseThrow(), "default", 5);
        RescaleSettings settings = RescaleSettings.paper();   // Q/K and V/O: one stage, so no running factors
        RescalePlan offline;
        try (Model m = Wisca.open(TinyModelFiles.write(model, dir.resolve("llama")))) {
            offline = m.plan(settings);
        }
        Map<String, TinyModel.TinyTensor> byName = model.tensors().stream()
            .collect(Collectors.toMap(TinyModel.TinyTensor::name, Function.identity()));
        List<TensorSpec> parameters = model.tensors().stream().map(TinyModel.TinyTensor::spec).toList();
        LivePlan live = LivePlanner.of(SpecChoice.byModelType()).model(parameters, new ObjectMapper().writeValueAsString(model.config()), settings);

        assertEquals("llama", live.modelType());
        assertEquals(1, live.stages().size());
        assertEquals(offline.reports().size(), live.siteCount());
        LivePlan.Stage stage = live.stages().getFirst();
        LivePlan.Solved solved = live.solve(stage.index(), stage.requests().stream().map(r -> measure(byName.get(r.tensor()), r)).toList());

        Map<String, SiteReport> offlineSites = offline.reports().stream().collect(Collectors.toMap(SiteReport::id, Function.identity()));
        assertEquals(offlineSites.keySet(), solved.sites().stream().map(SiteReport::id).collect(Collectors.toSet()));
        for (SiteReport s : solved.sites()) {
            SiteReport o = offlineSites.get(s.id());
            assertClose(o.minScale(), s.minScale(), s.id());
            assertClose(o.maxScale(), s.maxScale(), s.id());
            assertClose(o.geoMeanScale(), s.geoMeanScale(), s.id());
        }
        assertTrue(solved.sites().stream().anyMatch(s -> Math.abs(Math.log(s.geoMeanScale())) > 1e-3), "no site moved: the comparison shows nothing");
        assertEquals(offline.tensors(), solved.factors().stream().map(LivePlan.Factors::tensor).collect(Collectors.toSet()));
        for (LivePlan.Factors f : solved.factors()) {
            for (int i = 0; i < f.rows().length; i++) assertClose(1 / f.rows()[i], f.momentRows()[i], f.tensor());
        }
    }

    @Test
    void statisticsNoTensorCanProduceAreRefused() throws Exception {
        TinyModel model = TinyModels.build(SpecLibrary.builtin().get("llama").orElseThrow(), "default", 5);
        List<TensorSpec> parameters = model.tensors().stream().map(TinyModel.TinyTensor::spec).toList();
        LivePlan live = LivePlanner.of(SpecChoice.byModelType()).model(parameters, new ObjectMapper().writeValueAsString(model.config()),
            RescaleSettings.paper());
        Map<String, TinyModel.TinyTensor> byName = model.tensors().stream()
            .collect(Collectors.toMap(TinyModel.TinyTensor::name, Function.identity()));
        LivePlan.Stage stage = live.stages().getFirst();
        List<LivePlan.Measured> stats = new ArrayList<>(stage.requests().stream().map(r -> measure(byName.get(r.tensor()), r)).toList());
        LivePlan.Measured first = stats.getFirst();
        double[] negative = first.absSum().clone();
        negative[0] = -1;
        stats.set(0, new LivePlan.Measured(first.request(), first.sum(), negative, first.sqSum(), first.absMax()));
        WiscaException e = assertThrows(WiscaException.class, () -> live.solve(stage.index(), stats));
        assertEquals(ErrorKind.INVALID_ARGUMENT, e.kind());
        assertTrue(e.getMessage().contains("absSum[0] = -1.0 is negative"), e.getMessage());
    }

    /** Per index along the request's axis: Σv, Σ|v|, Σv², max|v| over the other axis (2-D and 1-D tensors). */
    static LivePlan.Measured measure(TinyModel.TinyTensor t, LivePlan.Request r) {
        long[] shape = t.spec().shape();
        assertEquals(-1, r.batch(), "a 3-D tensor: " + t.name());
        int rows = (int) shape[0];
        int cols = shape.length == 1 ? 1 : (int) shape[1];
        boolean alongRows = r.axis() == Axis.ROWS;
        int n = alongRows ? rows : cols;
        double[] sum = new double[n], abs = new double[n], sq = new double[n], max = new double[n];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                double v = t.values()[i * cols + j] + (r.offsetGain() ? 1 : 0);
                int k = alongRows ? i : j;
                sum[k] += v;
                abs[k] += Math.abs(v);
                sq[k] += v * v;
                max[k] = Math.max(max[k], Math.abs(v));
            }
        }
        return new LivePlan.Measured(r.id(), sum, abs, sq, max);
    }

    private static void assertClose(double expected, double actual, String what) {
        assertTrue(Math.abs(expected - actual) <= 1e-9 * Math.abs(expected), what + ": " + expected + " vs " + actual);
    }
}
