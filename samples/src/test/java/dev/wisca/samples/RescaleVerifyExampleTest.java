package dev.wisca.samples;

import dev.wisca.rescale.verify.CheckpointVerifier;
import dev.wisca.rescale.verify.VerifyOptions;
import dev.wisca.rescale.verify.VerifyReport;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.sdk.SampleCheckpoints;
import dev.wisca.sdk.Wisca;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Maven/JUnit way to guard a rescale in CI: rescale a checkpoint, verify it against the
 * original, and fail the build (a failing test) unless it is equivalent. Replace the generated
 * sample with your own checkpoint folder.
 */
class RescaleVerifyExampleTest {
    @TempDir
    Path dir;

    @Test
    void rescaledCheckpointComputesTheSameFunction() {
        Path original = SampleCheckpoints.write("llama", dir.resolve("original"), 42);
        Path rescaled = dir.resolve("rescaled");
        Wisca.rescale(original, rescaled, RescaleSettings.paper());

        VerifyReport report = CheckpointVerifier.verify(original, rescaled, VerifyOptions.probes());

        System.out.println(report.summary());
        assertTrue(report.equivalent(), report.summary());
    }
}
