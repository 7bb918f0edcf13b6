package dev.wisca.hooks.djl;

import dev.wisca.io.WiscaException;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ParameterRenamingTest {
    private static final ParameterRenaming LLAMA = ParameterRenaming.rules(
        "^\\d\\dlayer(\\d+)_\\d\\d([qkvo]_proj)_weight$", "model.layers.$1.self_attn.$2.weight",
        "^\\d\\dlayer(\\d+)_\\d\\d([qv]_proj)_(lora_[AB])_weight$", "base_model.model.model.layers.$1.self_attn.$2.$3.weight");

    @Test
    void rulesApplyInOrderWithGroups() {
        assertEquals("model.layers.3.self_attn.k_proj.weight", LLAMA.apply("04layer3_03k_proj_weight"));
        assertEquals("base_model.model.model.layers.0.self_attn.v_proj.lora_B.weight", LLAMA.apply("02layer0_13v_proj_lora_B_weight"));
        assertEquals("01embed_weight", LLAMA.apply("01embed_weight"), "names no rule matches stay as they are");
    }

    @Test
    void laterRulesSeeEarlierOutput() {
        ParameterRenaming r = ParameterRenaming.rules("^a_", "b_").then("^b_", "c.");
        assertEquals("c.weight", r.apply("a_weight"));
    }

    @Test
    void keepingLeavesOtherParametersOut() {
        ParameterRenaming adapters = LLAMA.keeping(".*\\.lora_[AB]\\.weight");
        assertNull(adapters.apply("04layer3_03k_proj_weight"));
        assertEquals("base_model.model.model.layers.1.self_attn.q_proj.lora_A.weight", adapters.apply("03layer1_10q_proj_lora_A_weight"));
    }

    @Test
    void identityAndOddRuleCount() {
        assertEquals("x_y", ParameterRenaming.identity().apply("x_y"));
        assertThrows(WiscaException.class, () -> ParameterRenaming.rules("only-a-regex"));
    }
}
