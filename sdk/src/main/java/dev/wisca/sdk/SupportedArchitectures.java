package dev.wisca.sdk;

import dev.wisca.rescale.spec.ArchSpec;
import dev.wisca.rescale.spec.SpecJson.SiteRule;
import dev.wisca.rescale.spec.SpecJson.SkipIf;
import dev.wisca.rescale.spec.SpecLibrary;

import java.util.LinkedHashSet;
import java.util.Locale;
import java.util.Set;

/** The built-in architecture specs as a Markdown table (the README's table is generated from this): pairs offered, and every site skipped (always or under a config condition) with its reason. */
public final class SupportedArchitectures {
    private SupportedArchitectures() {}

    public static String markdownTable() {
        StringBuilder sb = new StringBuilder();
        sb.append("| model_type | architectures | norm | MLP | pairs | not available |\n");
        sb.append("|---|---|---|---|---|---|\n");
        for (ArchSpec spec : SpecLibrary.builtin().all()) {
            Set<String> pairs = new LinkedHashSet<>();
            Set<String> skipped = new LinkedHashSet<>();
            for (SiteRule rule : spec.sites()) {
                if (rule.skip() != null) {
                    skipped.add(rule.pair() + ": " + rule.skip());
                } else {
                    pairs.add(rule.pair());
                }
                if (rule.skipIf() != null) {
                    for (SkipIf s : rule.skipIf()) skipped.add(rule.pair() + " when " + s.when() + ": " + s.reason());
                }
            }
            sb.append("| ").append(spec.modelType())
                .append(" | ").append(String.join(", ", spec.architectures()))
                .append(" | ").append(spec.normKind().name().toLowerCase(Locale.ROOT))
                .append(" | ").append(spec.mlpKind().name().toLowerCase(Locale.ROOT))
                .append(" | ").append(String.join(", ", pairs))
                .append(" | ").append(skipped.isEmpty() ? "" : String.join("; ", skipped))
                .append(" |\n");
        }
        sb.append("| PEFT LoRA adapter | adapter_config.json (`peft_type` LORA) | | | lora | |\n");
        return sb.toString();
    }
}
