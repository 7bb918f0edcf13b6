package dev.wisca.hooks.watch;

import dev.wisca.rescale.backend.Backends;
import dev.wisca.rescale.graph.Granularity;
import java.time.Duration;
import dev.wisca.rescale.solve.SolverOptions;
import dev.wisca.rescale.RescaleSettings;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

/** The watcher computes where and how the settings say: they reach the engine unchanged (no rebuilt defaults). */
class WatchOptionsTest {
    @Test
    void theEngineRunsOnTheSettingsDeviceWithTheirSolverAndThreads() {
        SolverOptions solver = SolverOptions.defaults().withAlpha(0.5);
        RescaleSettings settings = RescaleSettings.paper().withDevice(Backends.SCALAR).withParallelism(3).withSolver(solver)
            .withGranularity(Granularity.KV_GROUP);
        WatchOptions options = WatchOptions.defaults().withSettings(settings);
        assertSame(settings, options.settings(), "the one settings record, not a copy");
        assertSame(Backends.of(Backends.SCALAR), options.settings().backend());
        assertEquals(3, options.withPoll(Duration.ZERO).settings().parallelism());
        assertEquals(Backends.CPU, WatchOptions.defaults().settings().device());
    }
}
