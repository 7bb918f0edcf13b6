package dev.wisca.rescale.lora;

import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;

import java.util.List;

/**
 * The on-disk form of the PEFT LoRA adapter spec.
 *
 * @param peftType  adapter_config.json {@code peft_type} this spec reads
 * @param config    which adapter_config.json keys hold rank, alpha, rsLoRA, DoRA, targets, patterns
 * @param a         name of a module's A factor [r, in], with {@code ${module}}
 * @param b         name of a module's B factor [out, r], with {@code ${module}}
 * @param strip     module name prefixes dropped in site ids (first match)
 * @param id        site id template, with {@code ${module}}
 * @param example   a base model spec name and an adapter_config.json for the synthetic generator
 */
public record LoraSpecJson(
    @JsonProperty("peft_type") String peftType, String description, ConfigKeys config, String a, String b,
    List<String> strip, String id, Example example) {

    public record ConfigKeys(
        String rank, String alpha, String rslora, String dora, String targets,
        @JsonProperty("rank_pattern") String rankPattern, @JsonProperty("alpha_pattern") String alphaPattern) {}

    /** {@code module_prefix}: what PEFT puts before a base model's module names in adapter tensors. */
    public record Example(String base, @JsonProperty("module_prefix") String modulePrefix,
                          @JsonProperty("adapter_config") JsonNode adapterConfig) {}
}
