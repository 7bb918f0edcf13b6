package dev.wisca.sdk;

import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.Printable;
import dev.wisca.io.TensorSpec;
import dev.wisca.io.WiscaException;
import dev.wisca.io.hf.ByteSize;
import dev.wisca.io.hf.Overwrite;
import dev.wisca.rescale.Progress;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.rescale.forward.Precision;
import dev.wisca.rescale.graph.Axis;
import dev.wisca.rescale.graph.Granularity;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.graph.SiteOptions;
import dev.wisca.rescale.graph.SkippedSite;
import dev.wisca.rescale.pattern.AttentionStats;
import dev.wisca.rescale.pattern.PatternReport;
import dev.wisca.rescale.pattern.TensorStats;
import dev.wisca.rescale.solve.Note;
import dev.wisca.rescale.solve.Pow2Mode;
import dev.wisca.rescale.solve.SiteReport;
import dev.wisca.rescale.solve.SolverOptions;
import dev.wisca.rescale.spec.SpecChoice;
import dev.wisca.rescale.stats.Norm;
import dev.wisca.rescale.verify.BlockResult;
import dev.wisca.rescale.verify.VerifyOptions;
import dev.wisca.rescale.verify.VerifyReport;

import java.util.List;

/**
 * The engine types that are part of the SDK's API: the only {@code dev.wisca.io}/{@code dev.wisca.rescale} types
 * an SDK signature names (sdk's SdkSignatureTest), and the only ones hooks and cli may name (cli's
 * ModuleBoundaryTest); everything else of the engine is reached through {@link Wisca}, {@link Model},
 * {@link RescalePlan}, {@link Verification}, {@link LivePlanner} and {@link OutputFiles}. Each is a small value
 * type, an enum, or a stateless text helper; none is an engine. Nested types of a listed type belong to it.
 */
public final class ReExports {
    private ReExports() {}

    /** The re-exported types, by what they are for. */
    public static final List<Class<?>> TYPES = List.of(
        // errors
        WiscaException.class, ErrorKind.class,
        // the one settings record and its vocabulary
        RescaleSettings.class, SiteOptions.class, Pair.class, Granularity.class, SolverOptions.class, Pow2Mode.class,
        Norm.class, Progress.class, SpecChoice.class, Overwrite.class, VerifyOptions.class, Precision.class,
        // what a plan, a verification and a statistics pass report
        SiteReport.class, Note.class, SkippedSite.class, VerifyReport.class, BlockResult.class,
        PatternReport.class, TensorStats.class, AttentionStats.class,
        // a parameter as a training loop describes it (LivePlanner), and the axis a statistic runs along
        TensorSpec.class, Dtype.class, Axis.class,
        // text: sizes as users write them ("5GB"), file-borne strings made safe for a terminal
        ByteSize.class, Printable.class);
}
