package dev.wisca.rescale.spec;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.TensorInfo;
import dev.wisca.io.WiscaException;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Binding is total: every tensor of a checkpoint is bound to a role or named by the spec's passthrough
 * list. A tensor the spec does not know (a LayerNorm bias a llama lacks, a gemma3 q_norm) means the spec
 * does not describe this model, so rescaling it could change the function: refuse, naming the tensor.
 */
final class TensorClaims {
    private static final String LAYER = "${layer}";
    private static final String EXPERT = "${expert}";

    private TensorClaims() {}

    /** @throws WiscaException UNCLAIMED_TENSOR naming the first tensor neither {@code bound} nor passed through */
    static void requireAllClaimed(ArchSpec spec, int layers, List<TensorInfo> tensors, Set<String> bound) {
        List<Pattern> passthrough = patterns(spec);
        List<String> unclaimed = new ArrayList<>();
        for (TensorInfo t : tensors) {
            if (!bound.contains(t.name()) && !passedThrough(t.name(), passthrough, layers)) unclaimed.add(t.name());
        }
        if (unclaimed.isEmpty()) return;
        String more = unclaimed.size() == 1 ? "" : " (and " + (unclaimed.size() - 1) + " more: "
            + String.join(", ", unclaimed.subList(1, Math.min(unclaimed.size(), 6))) + (unclaimed.size() > 6 ? ", ..." : "") + ")";
        throw new WiscaException(ErrorKind.UNCLAIMED_TENSOR, null, unclaimed.getFirst(), "spec " + spec.name() + " ("
            + spec.source() + ") has no role or passthrough entry for this tensor" + more + ", so it does not describe this"
            + " model; wisca refuses to rescale around a tensor it does not understand (if the tensor is truly unused, copy"
            + " the spec, list it under \"passthrough\" and pass --arch-spec FILE)");
    }

    static boolean passedThrough(ArchSpec spec, int layers, String name) { return passedThrough(name, patterns(spec), layers); }

    private static boolean passedThrough(String name, List<Pattern> patterns, int layers) {
        for (Pattern p : patterns) {
            Matcher m = p.matcher(name);
            if (!m.matches()) continue;
            if (p.pattern().contains("(?<layer>") && !indexBelow(m.group("layer"), layers)) continue;
            return true;
        }
        return false;
    }

    private static boolean indexBelow(String digits, int bound) {
        return digits.length() < 10 && Integer.parseInt(digits) < bound;
    }

    private static List<Pattern> patterns(ArchSpec spec) {
        List<Pattern> out = new ArrayList<>();
        for (String g : spec.json().passthrough().globals()) out.add(Pattern.compile(regex(g)));
        for (String t : spec.json().passthrough().tensors()) {
            for (String prefix : spec.prefixes()) out.add(Pattern.compile(regex(prefix + t)));
        }
        return out;
    }

    /** The template as a regex: literal text, {@code ${layer}} a captured index, {@code ${expert}} any index. */
    private static String regex(String template) {
        StringBuilder r = new StringBuilder();
        int at = 0;
        while (at < template.length()) {
            int layer = template.indexOf(LAYER, at);
            int expert = template.indexOf(EXPERT, at);
            int next = layer < 0 ? expert : expert < 0 ? layer : Math.min(layer, expert);
            if (next < 0) {
                r.append(Pattern.quote(template.substring(at)));
                break;
            }
            if (next > at) r.append(Pattern.quote(template.substring(at, next)));
            boolean isLayer = next == layer;
            r.append(isLayer ? "(?<layer>0|[1-9][0-9]*)" : "(?:0|[1-9][0-9]*)");
            at = next + (isLayer ? LAYER : EXPERT).length();
        }
        return r.toString();
    }
}
