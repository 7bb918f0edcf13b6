package dev.wisca.rescale.lora;

import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.graph.Axis;
import dev.wisca.rescale.graph.Member;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.graph.Site;
import dev.wisca.rescale.graph.SiteSet;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * One LORA site per adapted module: channel i = rank direction i, A row i × s_i, B column i ÷ s_i,
 * so BA (and with it any alpha/r, alpha/√r or DoRA scaling) is unchanged. A fresh adapter has B = 0;
 * that cannot be seen from the tensor list, so such sites are returned and the solver, which sees
 * zero norms, leaves them at s = 1 and reports them.
 */
public final class LoraSites {
    private static final Pattern LAYER = Pattern.compile("\\.(\\d+)\\.");

    private LoraSites() {}

    public static SiteSet build(LoraSpec spec, JsonNode adapterConfig, List<TensorInfo> tensors) {
        LoraConfig config = LoraConfig.read(spec, adapterConfig);
        Map<String, TensorInfo> byName = new HashMap<>();
        for (TensorInfo t : tensors) byName.put(t.name(), t);
        List<Site> sites = new ArrayList<>();
        for (TensorInfo a : tensors) {
            if (!a.name().endsWith(spec.aSuffix())) continue;
            String module = a.name().substring(0, a.name().length() - spec.aSuffix().length());
            TensorInfo b = byName.get(spec.bName(module));
            if (b == null) throw new WiscaException(ErrorKind.TENSOR_NOT_FOUND, null, spec.bName(module), "LoRA A factor " + a.name() + " has no B factor");
            sites.add(site(spec, config, module, a, b));
        }
        for (TensorInfo b : tensors) {
            if (!b.name().endsWith(spec.bSuffix())) continue;
            String module = b.name().substring(0, b.name().length() - spec.bSuffix().length());
            if (!byName.containsKey(spec.aName(module))) {
                throw new WiscaException(ErrorKind.TENSOR_NOT_FOUND, null, spec.aName(module), "LoRA B factor " + b.name() + " has no A factor");
            }
        }
        return new SiteSet(sites, List.of());
    }

    private static Site site(LoraSpec spec, LoraConfig config, String module, TensorInfo a, TensorInfo b) {
        if (a.rank() != 2 || b.rank() != 2) {
            throw new WiscaException(ErrorKind.INVALID_CONFIG, null, a.name(), "LoRA factors must be 2-D, got " + Arrays.toString(a.shape()) + " and " + Arrays.toString(b.shape()));
        }
        long r = a.dim(0);
        if (b.dim(1) != r) {
            throw new WiscaException(ErrorKind.INVALID_CONFIG, null, b.name(), "B is " + Arrays.toString(b.shape()) + " but A " + a.name() + " has rank " + r);
        }
        int expected = config.rankOf(module);
        if (r != expected) {
            throw new WiscaException(ErrorKind.INVALID_CONFIG, null, a.name(), "rank " + r + " but adapter_config.json gives r = " + expected + " for " + module);
        }
        int[] channels = new int[(int) r];
        for (int i = 0; i < r; i++) channels[i] = i;
        Matcher m = LAYER.matcher(module);
        int layer = m.find() ? Integer.parseInt(m.group(1)) : -1;
        return new Site(spec.siteId(module), Pair.LORA, layer, (int) r, List.of(
            new Member(a.name(), -1, Axis.ROWS, channels, 1, false),
            new Member(b.name(), -1, Axis.COLS, channels, -1, false)));
    }
}
