package dev.wisca.hooks.djl;

import dev.wisca.io.WiscaException;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * Maps DJL parameter paths to the names the architecture spec expects. DJL names a parameter by its
 * block path: {@code Block.getParameters()} joins child names (DJL prefixes each child with its
 * two-digit position, {@code 01}, {@code 02}, ...) and the parameter name with {@code _}, e.g.
 * {@code 02layers_01self_attn_03v_proj_weight}. A renaming is an ordered list of regular-expression
 * rules; every rule is applied in order with {@link java.util.regex.Matcher#replaceAll}, so later
 * rules see the output of earlier ones. Use {@link #identity()} when the block already names its
 * parameters as the checkpoint does.
 */
public final class ParameterRenaming implements Function<String, String> {
    private record Rule(Pattern pattern, String replacement) {}

    private final List<Rule> rules;
    private final Pattern keep;

    private ParameterRenaming(List<Rule> rules) { this(rules, null); }

    private ParameterRenaming(List<Rule> rules, Pattern keep) {
        this.rules = List.copyOf(rules);
        this.keep = keep;
    }

    public static ParameterRenaming identity() { return new ParameterRenaming(List.of()); }

    /** Rules as alternating {@code regex, replacement} strings (replacement syntax of {@code Matcher.replaceAll}: {@code $1}). */
    public static ParameterRenaming rules(String... regexThenReplacement) {
        if (regexThenReplacement.length % 2 != 0) throw WiscaException.invalidArgument("rules come in pairs: regex, replacement");
        List<Rule> rules = new ArrayList<>();
        for (int i = 0; i < regexThenReplacement.length; i += 2) {
            rules.add(new Rule(Pattern.compile(regexThenReplacement[i]), regexThenReplacement[i + 1]));
        }
        return new ParameterRenaming(rules);
    }

    /** This renaming followed by {@code regex → replacement}. */
    public ParameterRenaming then(String regex, String replacement) {
        List<Rule> more = new ArrayList<>(rules);
        more.add(new Rule(Pattern.compile(regex), replacement));
        return new ParameterRenaming(more, keep);
    }

    /** This renaming, then null (the parameter is left out of the store) for every name not matching {@code keep}. */
    public ParameterRenaming keeping(String keep) {
        return new ParameterRenaming(rules, Pattern.compile(keep));
    }

    @Override
    public String apply(String djlPath) {
        String name = djlPath;
        for (Rule r : rules) name = r.pattern.matcher(name).replaceAll(r.replacement);
        return keep == null || keep.matcher(name).matches() ? name : null;
    }
}
