package dev.wisca.hooks.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.hooks.protocol.Messages.DescribeRequest;
import dev.wisca.hooks.protocol.Messages.DescribeResponse;
import dev.wisca.hooks.protocol.Messages.OptionsEntry;
import dev.wisca.hooks.protocol.Messages.ParameterEntry;
import dev.wisca.hooks.protocol.Messages.SkippedEntry;
import dev.wisca.hooks.protocol.Messages.StageEntry;
import dev.wisca.hooks.protocol.Messages.StatRequest;
import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.graph.Member;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.graph.SiteOptions;
import dev.wisca.rescale.graph.Site;
import dev.wisca.rescale.graph.SiteSet;
import dev.wisca.rescale.graph.SiteSets;
import dev.wisca.rescale.plan.Stage;
import dev.wisca.rescale.spec.ArchSpec;
import dev.wisca.rescale.spec.SpecJson;
import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.rescale.spec.SpecReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.Arrays;

/** Turns a describe request into a session: checks the parameters, binds the spec, derives and stages the sites. */
final class Describer {
    private Describer() {}

    static Session session(String id, DescribeRequest request, SpecLibrary library) {
        if (request.parameters() == null || request.parameters().isEmpty()) throw bad("parameters is empty");
        DescribedSource source = new DescribedSource(infos(request.parameters()));
        if (request.adapterConfig() != null && !request.adapterConfig().isNull()) return adapterSession(id, request, source, library);
        RescaleSettings options = OptionsConverter.parse(request.options());
        if (options.sites().wants(Pair.LORA)) throw bad("pairs lora rescales a PEFT adapter: send its adapter_config.json as adapterConfig");
        JsonNode config = request.config() == null ? JsonNodeFactory.instance.objectNode() : request.config();
        if (!config.isObject()) throw new WiscaException(ErrorKind.INVALID_CONFIG, null, null, "config must be a JSON object (config.json)");
        ArchSpec spec = request.archSpec() == null || request.archSpec().isNull()
            ? library.specFor(config)
            : ArchSpec.of(SpecReader.bind(request.archSpec(), Path.of("describe.archSpec"), SpecJson.class), Path.of("describe.archSpec"));
        SiteSet sites = SiteSets.build(spec, config, source.tensors(), options.sites());
        return new Session(id, source, options.solver(), spec.modelType(), stages(sites), sites.skipped());
    }

    /** A PEFT adapter: LORA sites only (the base weights it adapts are frozen, so no other pair applies). */
    private static Session adapterSession(String id, DescribeRequest request, DescribedSource source, SpecLibrary library) {
        if (request.archSpec() != null && !request.archSpec().isNull()) throw bad("archSpec and adapterConfig exclude each other");
        OptionsEntry entry = request.options();
        RescaleSettings parsed = OptionsConverter.parse(entry);
        if (entry != null && entry.pairs() != null && !parsed.sites().pairs().equals(EnumSet.of(Pair.LORA))) {
            throw bad("an adapter is rescaled with pairs [\"lora\"] only, got " + entry.pairs());
        }
        RescaleSettings options = parsed.withSites(new SiteOptions(EnumSet.of(Pair.LORA), parsed.sites().granularity()));
        SiteSet sites = AdapterSites.build(library.lora(), request.adapterConfig(), source.tensors());
        if (sites.sites().isEmpty()) {
            throw bad("adapterConfig is set but no parameter is a LoRA factor (" + library.lora().json().a() + ", or "
                + library.lora().json().b() + " with the adapter name before its last segment)");
        }
        return new Session(id, source, options.solver(), "lora", stages(sites), sites.skipped());
    }

    private static List<Session.StagePlan> stages(SiteSet sites) {
        List<Session.StagePlan> stages = new ArrayList<>();
        for (Stage stage : Stage.values()) {
            List<Site> stageSites = sites.sites().stream().filter(s -> Stage.of(s.pair()) == stage).toList();
            if (!stageSites.isEmpty()) stages.add(plan(stage, stageSites));
        }
        return stages;
    }

    private static Session.StagePlan plan(Stage stage, List<Site> sites) {
        Map<Session.RequestKey, Integer> ids = new LinkedHashMap<>();
        List<int[]> memberRequests = new ArrayList<>();
        for (Site site : sites) {
            int[] refs = new int[site.members().size()];
            for (int m = 0; m < refs.length; m++) {
                Member member = site.members().get(m);
                refs[m] = ids.computeIfAbsent(new Session.RequestKey(member.tensor(), member.batch(), member.axis(),
                    member.offsetGain()), k -> ids.size());
            }
            memberRequests.add(refs);
        }
        return new Session.StagePlan(stage, sites, List.copyOf(ids.keySet()), memberRequests);
    }

    static DescribeResponse response(Session session) {
        List<StageEntry> stages = new ArrayList<>();
        for (int s = 0; s < session.stages().size(); s++) {
            Session.StagePlan plan = session.stages().get(s);
            List<StatRequest> requests = new ArrayList<>();
            for (int r = 0; r < plan.requests().size(); r++) {
                Session.RequestKey k = plan.requests().get(r);
                requests.add(new StatRequest(r, k.tensor(), k.batch(), k.axis().name().toLowerCase(Locale.ROOT), k.offsetGain()));
            }
            stages.add(new StageEntry(s, plan.stage().name().toLowerCase(Locale.ROOT),
                plan.stage().pairs().stream().map(p -> p.cliName()).toList(), requests));
        }
        int siteCount = session.stages().stream().mapToInt(p -> p.sites().size()).sum();
        List<SkippedEntry> skipped = session.skipped().stream()
            .map(k -> new SkippedEntry(k.id(), k.pair().cliName(), k.reason())).toList();
        return new DescribeResponse(Messages.VERSION, session.id(), session.modelType(), siteCount, skipped, stages);
    }

    private static List<TensorInfo> infos(List<ParameterEntry> parameters) {
        List<TensorInfo> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        long offset = 0;
        for (ParameterEntry p : parameters) {
            if (p == null || p.name() == null || p.name().isEmpty()) throw bad("a parameter needs a name");
            if (!seen.add(p.name())) throw new WiscaException(ErrorKind.DUPLICATE_TENSOR, null, p.name(), "described twice");
            Dtype dtype = Dtype.fromHeaderName(p.dtype() == null ? "" : p.dtype()).orElseThrow(() ->
                new WiscaException(ErrorKind.INVALID_ARGUMENT, null, p.name(), "unknown dtype '" + p.dtype()
                    + "' (safetensors names: F32, BF16, F16, F64, ...)"));
            if (p.shape() == null) throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, p.name(), "shape is missing");
            if (p.shape().length > 8) throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, p.name(), "shape has " + p.shape().length + " dimensions");
            long bytes = dtype.byteSize();
            try {
                for (long d : p.shape()) {
                    if (d < 0) throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, p.name(), "negative dimension " + d);
                    bytes = Math.multiplyExact(bytes, d);
                }
                out.add(new TensorInfo(p.name(), dtype, p.shape(), offset, Math.addExact(offset, bytes)));
                offset += bytes;
            } catch (ArithmeticException e) {
                throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, p.name(), "shape " + Arrays.toString(p.shape())
                    + " has more bytes than fit a 64-bit count (the parameters together, too)");
            }
        }
        return out;
    }

    private static WiscaException bad(String detail) {
        return new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null, "describe: " + detail);
    }
}
