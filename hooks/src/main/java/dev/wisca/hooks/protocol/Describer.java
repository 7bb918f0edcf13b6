package dev.wisca.hooks.protocol;

import dev.wisca.hooks.protocol.Messages.DescribeRequest;
import dev.wisca.hooks.protocol.Messages.DescribeResponse;
import dev.wisca.hooks.protocol.Messages.OptionsEntry;
import dev.wisca.hooks.protocol.Messages.ParameterEntry;
import dev.wisca.hooks.protocol.Messages.SkippedEntry;
import dev.wisca.hooks.protocol.Messages.StageEntry;
import dev.wisca.hooks.protocol.Messages.StatRequest;
import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.TensorSpec;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.graph.SiteOptions;
import dev.wisca.sdk.LivePlan;
import dev.wisca.sdk.LivePlanner;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;

/**
 * A describe request to and from the sdk's {@link LivePlanner}: the wire's parameters, JSON documents and
 * options become its arguments (with the checks only the wire needs), its {@link LivePlan} the answer.
 */
final class Describer {
    private Describer() {}

    static LivePlan plan(DescribeRequest request, LivePlanner planner) {
        if (request.parameters() == null || request.parameters().isEmpty()) throw bad("parameters is empty");
        List<TensorSpec> parameters = parameters(request.parameters());
        boolean adapter = request.adapterConfig() != null && !request.adapterConfig().isNull();
        boolean archSpec = request.archSpec() != null && !request.archSpec().isNull();
        RescaleSettings settings = OptionsConverter.parse(request.options());
        if (adapter) {
            if (archSpec) throw bad("archSpec and adapterConfig exclude each other");
            OptionsEntry entry = request.options();
            if (entry != null && entry.pairs() != null && !settings.sites().pairs().equals(EnumSet.of(Pair.LORA))) {
                throw bad("an adapter is rescaled with pairs [\"lora\"] only, got " + entry.pairs());
            }
            RescaleSettings lora = settings.withSites(new SiteOptions(EnumSet.of(Pair.LORA), settings.sites().granularity()));
            return planner.adapter(parameters, ProtocolJson.write(request.adapterConfig()), lora);
        }
        String config = request.config() == null ? "{}" : ProtocolJson.write(request.config());
        return archSpec ? planner.model(parameters, config, ProtocolJson.write(request.archSpec()), settings)
                        : planner.model(parameters, config, settings);
    }

    static DescribeResponse response(String session, LivePlan plan) {
        List<StageEntry> stages = new ArrayList<>();
        for (LivePlan.Stage s : plan.stages()) {
            List<StatRequest> requests = s.requests().stream().map(r ->
                new StatRequest(r.id(), r.tensor(), r.batch(), r.axis().name().toLowerCase(Locale.ROOT), r.offsetGain())).toList();
            stages.add(new StageEntry(s.index(), s.name(), s.pairs(), requests));
        }
        List<SkippedEntry> skipped = plan.skipped().stream().map(k -> new SkippedEntry(k.id(), k.pair().cliName(), k.reason())).toList();
        return new DescribeResponse(Messages.VERSION, session, plan.modelType(), plan.siteCount(), skipped, stages);
    }

    /** The wire's parameters with their dtype names read; the planner checks names, shapes and sizes. */
    private static List<TensorSpec> parameters(List<ParameterEntry> entries) {
        List<TensorSpec> out = new ArrayList<>();
        for (ParameterEntry p : entries) {
            if (p == null || p.name() == null || p.name().isEmpty()) throw bad("a parameter needs a name");
            Dtype dtype = Dtype.fromHeaderName(p.dtype() == null ? "" : p.dtype()).orElseThrow(() ->
                new WiscaException(ErrorKind.INVALID_ARGUMENT, null, p.name(), "unknown dtype '" + p.dtype()
                    + "' (safetensors names: F32, BF16, F16, F64, ...)"));
            if (p.shape() == null) throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, p.name(), "shape is missing");
            out.add(new TensorSpec(p.name(), dtype, p.shape()));
        }
        return out;
    }

    private static WiscaException bad(String detail) {
        return new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null, "describe: " + detail);
    }
}
