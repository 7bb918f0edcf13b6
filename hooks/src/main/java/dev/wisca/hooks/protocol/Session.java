package dev.wisca.hooks.protocol;

import dev.wisca.io.TensorInfo;
import dev.wisca.rescale.graph.Axis;
import dev.wisca.rescale.graph.Site;
import dev.wisca.rescale.plan.Stage;
import dev.wisca.rescale.solve.SolverOptions;
import dev.wisca.rescale.graph.SkippedSite;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;

/**
 * What the server keeps between describe and solve: the sites, grouped by solving stage, and for
 * every stage the distinct statistics its sites need. Immutable, so concurrent solves are safe.
 *
 * @param id      the session name quoted by clients
 * @param source  the described parameters
 * @param solver  how scales are chosen
 * @param stages  non-empty stages in solving order
 * @param skipped sites asked for but not derived, with reasons
 */
record Session(String id, DescribedSource source, SolverOptions solver, String modelType, List<StagePlan> stages,
               List<SkippedSite> skipped, Map<String, TensorInfo> byName) {
    Session(String id, DescribedSource source, SolverOptions solver, String modelType, List<StagePlan> stages, List<SkippedSite> skipped) {
        this(id, source, solver, modelType, stages, skipped, index(source));
    }

    Session {
        stages = List.copyOf(stages);
        skipped = List.copyOf(skipped);
        byName = Map.copyOf(byName);
    }

    private static Map<String, TensorInfo> index(DescribedSource source) {
        Map<String, TensorInfo> m = new HashMap<>();
        for (TensorInfo t : source.tensors()) m.put(t.name(), t);
        return m;
    }

    /** One statistic: a tensor (or one batch of it) reduced along an axis. */
    record RequestKey(String tensor, int batch, Axis axis, boolean offsetGain) {}

    /**
     * @param requests       distinct statistics, their index is the request id
     * @param memberRequests per site, per member: the request id holding its statistics
     */
    record StagePlan(Stage stage, List<Site> sites, List<RequestKey> requests, List<int[]> memberRequests) {
        StagePlan {
            sites = List.copyOf(sites);
            requests = List.copyOf(requests);
            memberRequests = List.copyOf(memberRequests);
        }
    }

    TensorInfo info(String tensor) { return byName.get(tensor); }

    /** Length of the request's axis and how many elements each index sums. */
    static long[] axisLengthAndCount(TensorInfo info, Axis axis) {
        long[] s = info.shape();
        if (s.length < 1 || s.length > 3) {
            throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, info.name(),
                "a rescaled parameter has 1 to 3 dimensions, this one " + s.length);
        }
        long rows = switch (s.length) { case 1 -> s[0]; case 2 -> s[0]; default -> s[1]; };
        long cols = switch (s.length) { case 1 -> 1; case 2 -> s[1]; default -> s[2]; };
        return axis == Axis.ROWS ? new long[] {rows, cols} : new long[] {cols, rows};
    }
}
