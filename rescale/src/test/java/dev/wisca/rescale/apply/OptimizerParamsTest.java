package dev.wisca.rescale.apply;

import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.io.torch.OptimizerStateDict;
import dev.wisca.io.torch.StoredTensor;
import dev.wisca.rescale.plan.TensorFactors;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Optimizer state indices map to parameters by param_names, else by shape only where no choice matters. */
class OptimizerParamsTest {
    private static final Path FILE = Path.of("/ckpt/optimizer.pt");
    private static final long[] SQUARE = {4, 4};
    private static final long[] WIDE = {2, 4};

    private static Map<String, Object> adam(long[] shape) {
        StoredTensor m = new StoredTensor("k", "FloatStorage", Optional.of(Dtype.F32), shape[0] * shape[1], 0, shape, new long[] {shape[1], 1});
        return Map.of("step", new StoredTensor("s", "FloatStorage", Optional.of(Dtype.F32), 1, 0, new long[0], new long[0]), "exp_avg", m, "exp_avg_sq", m);
    }

    private static OptimizerStateDict state(Optional<List<String>> names, long[]... shapes) {
        Map<Long, Map<String, Object>> entries = new LinkedHashMap<>();
        for (int i = 0; i < shapes.length; i++) entries.put((long) i, adam(shapes[i]));
        List<Long> params = entries.keySet().stream().toList();
        return new OptimizerStateDict(List.of(new OptimizerStateDict.Group(params, names)), entries);
    }

    private static final Map<String, long[]> SHAPES = Map.of("q", SQUARE, "o", SQUARE, "k", WIDE);

    private static TensorFactors scaled(String name, long[] shape, double s) {
        double[] rows = new double[(int) shape[0]];
        double[] cols = new double[(int) shape[1]];
        java.util.Arrays.fill(rows, s);
        java.util.Arrays.fill(cols, 1.0);
        return new TensorFactors(name, Dtype.F32, shape, rows, cols, false);
    }

    @Test
    void paramNamesSayWhichIsWhich() {
        var map = OptimizerParams.resolve(state(Optional.of(List.of("o", "k", "q")), SQUARE, WIDE, SQUARE), SHAPES, Map.of(), FILE);
        assertEquals(Map.of(0L, "o", 1L, "k", 2L, "q"), map);
    }

    @Test
    void aNameTheCheckpointDoesNotHoldIsRefused() {
        WiscaException e = assertThrows(WiscaException.class, () ->
            OptimizerParams.resolve(state(Optional.of(List.of("module.q", "k", "o")), SQUARE, WIDE, SQUARE), SHAPES, Map.of(), FILE));
        assertEquals(ErrorKind.INVALID_OPTIMIZER_STATE, e.kind());
        assertTrue(e.getMessage().contains("module.q"), e.getMessage());
    }

    @Test
    void withoutNamesAUniqueShapeIsMapped() {
        var map = OptimizerParams.resolve(state(Optional.empty(), WIDE), SHAPES, Map.of("k", scaled("k", WIDE, 2)), FILE);
        assertEquals(Map.of(0L, "k"), map);
    }

    @Test
    void withoutNamesSameShapedTensorsScaledAlikeNeedNoChoice() {
        var map = OptimizerParams.resolve(state(Optional.empty(), SQUARE, SQUARE), SHAPES,
            Map.of("q", scaled("q", SQUARE, 2), "o", scaled("o", SQUARE, 2)), FILE);
        assertEquals(2, map.size());
    }

    @Test
    void withoutNamesSameShapedTensorsScaledDifferentlyAreRefused() {
        WiscaException e = assertThrows(WiscaException.class, () -> OptimizerParams.resolve(state(Optional.empty(), SQUARE, WIDE, SQUARE),
            SHAPES, Map.of("q", scaled("q", SQUARE, 2)), FILE));
        assertEquals(ErrorKind.INVALID_OPTIMIZER_STATE, e.kind());
        assertEquals(FILE, e.path().orElseThrow());
        assertTrue(e.getMessage().contains("param_names"), e.getMessage());
    }

    @Test
    void aShapeNoTensorHasIsRefused() {
        WiscaException e = assertThrows(WiscaException.class, () ->
            OptimizerParams.resolve(state(Optional.empty(), new long[] {3, 3}), SHAPES, Map.of(), FILE));
        assertTrue(e.getMessage().contains("[3, 3]"), e.getMessage());
    }

    @Test
    void moreEntriesOfAShapeThanTensorsAreRefused() {
        assertThrows(WiscaException.class, () -> OptimizerParams.resolve(state(Optional.empty(), WIDE, WIDE), SHAPES, Map.of(), FILE));
    }
}
