package dev.wisca.hooks.watch;

import dev.wisca.rescale.backend.Backends;
import dev.wisca.rescale.graph.Granularity;
import dev.wisca.rescale.solve.SolverOptions;
import dev.wisca.sdk.RescaleSettings;
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
        assertSame(Backends.of(Backends.SCALAR), options.engine().backend());
        assertEquals(3, options.engine().parallelism());
        assertEquals(solver, options.engine().solver());
        assertEquals(Granularity.KV_GROUP, options.settings().sites().granularity());
        assertSame(Backends.of(Backends.CPU), WatchOptions.defaults().engine().backend());
    }
}
