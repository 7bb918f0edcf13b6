package dev.wisca.rescale.backend.djl;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.wisca.io.Dtype;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * The CPU comparison on a GPU (opt-in: {@code -Dsurefire.excludedGroups= -Dgroups=gpu}). Needs a CUDA
 * build of PyTorch's native library, e.g. {@code PYTORCH_LIBRARY_PATH} pointing at a CUDA libtorch,
 * since the bundled one is CPU-only.
 */
@Tag("gpu")
class DjlGpuTest {

    @ParameterizedTest
    @CsvSource({"F32, false", "F32, true", "F64, false", "BF16, true", "F16, false"})
    void gpuMatchesTheScalarReference(Dtype dtype, boolean offsetGain) {
        assertTrue(DjlBackend.gpuAvailable(), DjlBackend.NO_GPU);
        DjlBackend gpu = DjlBackend.gpu();
        assertEquals("djl-gpu0", gpu.name());
        BackendComparison.assertStatsMatch(gpu, dtype, 9, 37, offsetGain, 1, 1e-12);
        BackendComparison.assertStatsMatch(gpu.withMaxTileElements(13), dtype, 6, 29, offsetGain, 2, 1e-12);
        BackendComparison.assertScaleMatches(gpu, dtype, 3, 5, 17, offsetGain, 5);
        BackendComparison.assertScaleMatches(gpu.withMaxTileElements(13), dtype, 2, 3, 40, offsetGain, 7);
    }
}
