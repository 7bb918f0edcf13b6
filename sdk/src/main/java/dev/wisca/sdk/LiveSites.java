package dev.wisca.sdk;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.TensorSpec;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.rescale.graph.Axis;
import dev.wisca.rescale.graph.Member;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.graph.Site;
import dev.wisca.rescale.graph.SiteSet;
import dev.wisca.rescale.graph.SiteSets;
import dev.wisca.rescale.lora.LoraSites;
import dev.wisca.rescale.lora.LoraSpec;
import dev.wisca.rescale.plan.Stage;
import dev.wisca.rescale.spec.ArchSpec;
import dev.wisca.rescale.spec.SpecJson;
import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.rescale.spec.SpecReader;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Describing a live model ({@link LivePlanner}): checks the parameters, binds the spec, derives and stages the sites. */
final class LiveSites {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Path ARCH_SPEC = Path.of("describe.archSpec");

    private LiveSites() {}

    static LivePlan model(List<TensorSpec> parameters, String configJson, String archSpecJson, RescaleSettings settings, SpecLibrary library) {
        List<TensorInfo> tensors = infos(parameters);
        if (settings.sites().wants(Pair.LORA)) throw bad("pairs lora rescales a PEFT adapter: send its adapter_config.json as adapterConfig");
        JsonNode config = object(configJson, "config must be a JSON object (config.json)");
        ArchSpec spec = archSpecJson == null
            ? library.specFor(config)
            : ArchSpec.of(SpecReader.bind(parse(archSpecJson, "archSpec"), ARCH_SPEC, SpecJson.class), ARCH_SPEC);
        SiteSet sites = SiteSets.build(spec, config, tensors, settings.sites());
        return new LivePlan(tensors, settings.solver(), spec.modelType(), stages(sites), sites.skipped());
    }

    /** A PEFT adapter: LORA sites only (the base weights it adapts are frozen, so no other pair applies). */
    static LivePlan adapter(List<TensorSpec> parameters, String adapterConfigJson, RescaleSettings settings, SpecLibrary library) {
        List<TensorInfo> tensors = infos(parameters);
        JsonNode adapterConfig = object(adapterConfigJson, "adapterConfig must be a JSON object (adapter_config.json)");
        LoraSpec lora = library.lora();
        SiteSet sites = adapterSites(lora, adapterConfig, tensors);
        if (sites.sites().isEmpty()) {
            throw bad("adapterConfig is set but no parameter is a LoRA factor (" + lora.json().a() + ", or "
                + lora.json().b() + " with the adapter name before its last segment)");
        }
        return new LivePlan(tensors, settings.solver(), "lora", stages(sites), sites.skipped());
    }

    private static List<LivePlan.StageSites> stages(SiteSet sites) {
        List<LivePlan.StageSites> stages = new ArrayList<>();
        for (Stage stage : Stage.values()) {
            List<Site> stageSites = sites.sites().stream().filter(s -> Stage.of(s.pair()) == stage).toList();
            if (!stageSites.isEmpty()) stages.add(stage(stages.size(), stage, stageSites));
        }
        return stages;
    }

    /** Members that read the same tensor, batch, axis and gain form share one request. */
    private static LivePlan.StageSites stage(int index, Stage stage, List<Site> sites) {
        record Key(String tensor, int batch, Axis axis, boolean offsetGain) {}
        Map<Key, Integer> ids = new LinkedHashMap<>();
        List<int[]> memberRequests = new ArrayList<>();
        for (Site site : sites) {
            int[] refs = new int[site.members().size()];
            for (int m = 0; m < refs.length; m++) {
                Member member = site.members().get(m);
                refs[m] = ids.computeIfAbsent(new Key(member.tensor(), member.batch(), member.axis(), member.offsetGain()), k -> ids.size());
            }
            memberRequests.add(refs);
        }
        List<LivePlan.Request> requests = new ArrayList<>();
        ids.forEach((k, id) -> requests.add(new LivePlan.Request(id, k.tensor(), k.batch(), k.axis(), k.offsetGain())));
        LivePlan.Stage described = new LivePlan.Stage(index, stage.name().toLowerCase(Locale.ROOT),
            stage.pairs().stream().map(Pair::cliName).toList(), requests);
        return new LivePlan.StageSites(described, sites, memberRequests);
    }

    /** The parameters as tensors laid end to end (the planner reads no bytes, but the engine's tensors have offsets). */
    private static List<TensorInfo> infos(List<TensorSpec> parameters) {
        if (parameters == null || parameters.isEmpty()) throw bad("parameters is empty");
        List<TensorInfo> out = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        long offset = 0;
        for (TensorSpec p : parameters) {
            if (p == null || p.name() == null || p.name().isEmpty()) throw bad("a parameter needs a name");
            if (!seen.add(p.name())) throw new WiscaException(ErrorKind.DUPLICATE_TENSOR, null, p.name(), "described twice");
            long[] shape = p.shape();
            if (shape.length > 8) throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, p.name(), "shape has " + shape.length + " dimensions");
            long bytes = p.dtype().byteSize();
            try {
                for (long d : shape) {
                    if (d < 0) throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, p.name(), "negative dimension " + d);
                    bytes = Math.multiplyExact(bytes, d);
                }
                out.add(new TensorInfo(p.name(), p.dtype(), shape, offset, Math.addExact(offset, bytes)));
                offset += bytes;
            } catch (ArithmeticException e) {
                throw new WiscaException(ErrorKind.INVALID_ARGUMENT, null, p.name(), "shape " + Arrays.toString(shape)
                    + " has more bytes than fit a 64-bit count (the parameters together, too)");
            }
        }
        return out;
    }

    /**
     * The LORA sites of a described PEFT adapter. A loop may name its factors as in adapter_model.safetensors
     * ({@code <module>.lora_A.weight}) or as a live PEFT model does, with the adapter's name after the factor
     * ({@code <module>.lora_A.default.weight}: PEFT keeps each adapter in a ModuleDict and drops that segment when
     * it saves). Both forms are read through the LoRA spec's templates; the sites name the tensors as described,
     * so statistics and factors use the loop's own names. One adapter per plan: two adapter names on one module
     * are an error.
     */
    private static SiteSet adapterSites(LoraSpec spec, JsonNode adapterConfig, List<TensorInfo> described) {
        Pattern liveA = livePattern(spec.aSuffix());
        Pattern liveB = livePattern(spec.bSuffix());
        Map<String, String> describedBySaved = new HashMap<>();
        List<TensorInfo> saved = new ArrayList<>();
        for (TensorInfo t : described) {
            String name = savedName(t.name(), spec, liveA, liveB);
            String earlier = describedBySaved.putIfAbsent(name, t.name());
            if (earlier != null) {
                throw new WiscaException(ErrorKind.DUPLICATE_TENSOR, null, t.name(), "names the same adapter factor as " + earlier
                    + " (" + name + "); describe one adapter per session");
            }
            saved.add(new TensorInfo(name, t.dtype(), t.shape(), t.begin(), t.end()));
        }
        SiteSet sites = LoraSites.build(spec, adapterConfig, saved);
        List<Site> renamed = new ArrayList<>();
        for (Site s : sites.sites()) {
            List<Member> members = s.members().stream().map(m -> new Member(describedBySaved.get(m.tensor()), m.batch(), m.axis(),
                m.channelOf(), m.exponent(), m.offsetGain())).toList();
            renamed.add(new Site(s.id(), s.pair(), s.layer(), s.channels(), members));
        }
        return new SiteSet(renamed, sites.skipped());
    }

    /** The adapter_model.safetensors name of a live PEFT name; any other name unchanged. */
    private static String savedName(String name, LoraSpec spec, Pattern liveA, Pattern liveB) {
        for (Pattern live : new Pattern[] {liveA, liveB}) {
            Matcher m = live.matcher(name);
            if (m.matches()) return m.group(1) + (live == liveA ? spec.aSuffix() : spec.bSuffix());
        }
        return name;
    }

    /** {@code .lora_A.weight} becomes {@code (module).lora_A.<adapter>.weight}, the adapter one name segment. */
    private static Pattern livePattern(String suffix) {
        int last = suffix.lastIndexOf('.');
        if (last <= 0) return Pattern.compile("(?!)");
        return Pattern.compile("(.+)" + Pattern.quote(suffix.substring(0, last)) + "\\.[^.]+" + Pattern.quote(suffix.substring(last)));
    }

    private static JsonNode object(String json, String notAnObject) {
        JsonNode node = parse(json, notAnObject);
        if (!node.isObject()) throw new WiscaException(ErrorKind.INVALID_CONFIG, null, null, notAnObject);
        return node;
    }

    private static JsonNode parse(String json, String what) {
        try {
            JsonNode node = json == null ? null : JSON.readTree(json);
            if (node == null) throw new WiscaException(ErrorKind.INVALID_CONFIG, null, null, what + ": no JSON");
            return node;
        } catch (JsonProcessingException e) {
            throw new WiscaException(ErrorKind.INVALID_CONFIG, null, null, what + ": not JSON (" + e.getOriginalMessage() + ")", e);
        }
    }

    private static WiscaException bad(String detail) {
        return new WiscaException(ErrorKind.INVALID_ARGUMENT, null, null, "describe: " + detail);
    }
}
