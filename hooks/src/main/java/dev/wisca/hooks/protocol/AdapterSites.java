package dev.wisca.hooks.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.graph.Member;
import dev.wisca.rescale.graph.Site;
import dev.wisca.rescale.graph.SiteSet;
import dev.wisca.rescale.lora.LoraSites;
import dev.wisca.rescale.lora.LoraSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The LORA sites of a described PEFT adapter. A loop may name its factors as in
 * adapter_model.safetensors ({@code <module>.lora_A.weight}) or as a live PEFT model does, with the
 * adapter's name after the factor ({@code <module>.lora_A.default.weight}: PEFT keeps each adapter
 * in a ModuleDict and drops that segment when it saves). Both forms are read through the LoRA
 * spec's templates; the sites name the tensors as described, so statistics and factors use the
 * loop's own names. One adapter per session: two adapter names on one module are an error.
 */
final class AdapterSites {
    private AdapterSites() {}

    static SiteSet build(LoraSpec spec, JsonNode adapterConfig, List<TensorInfo> described) {
        if (!adapterConfig.isObject()) {
            throw new WiscaException(ErrorKind.INVALID_CONFIG, null, null, "adapterConfig must be a JSON object (adapter_config.json)");
        }
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
}
