package dev.wisca.sdk.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.rescale.forward.Logits;
import dev.wisca.rescale.forward.ModelSource;
import dev.wisca.rescale.forward.ReferenceForward;
import dev.wisca.sdk.RescalePlan;
import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.rescale.verify.VerifyReport;
import dev.wisca.sdk.Model;
import dev.wisca.sdk.Wisca;

import java.io.IOException;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A PEFT LoRA adapter made by peft itself (r = 4 on every attention and MLP projection, random A and B)
 * over a transformers base checkpoint, with peft's float64 logits for {@link Fixture#TOKENS}.
 */
record LoraFixture(Fixture base, Path adapter, double[] logits) {
    static LoraFixture build(TransformersOracle oracle, String family, Path work, long seed) {
        Fixture base = Fixture.build(oracle, family, "default", Fixture.Storage.F32_SINGLE, work.resolve("lora-base"), seed);
        Path adapter = work.resolve("lora-" + family);
        ObjectNode req = TransformersOracle.request("build_lora").put("family", family).put("base", base.dir().toString())
            .put("out", adapter.toString()).put("seed", seed);
        req.set("tokens", Fixture.tokens());
        return new LoraFixture(base, adapter, Fixture.flatten(oracle.call(req).get("logits")));
    }

    void referenceMatches() throws IOException {
        try (Checkpoint ckpt = Checkpoint.open(base.dir()); Checkpoint lora = Checkpoint.open(adapter)) {
            JsonNode adapterConfig = TransformersOracle.JSON.readTree(adapter.resolve("adapter_config.json").toFile());
            ModelSource source = ModelSource.of(ckpt, ckpt.configJson().orElseThrow(), SpecLibrary.builtin())
                .withAdapter(lora, adapterConfig, SpecLibrary.builtin());
            try (ReferenceForward reference = ReferenceForward.open(source)) {
                Logits got = reference.logits(Fixture.TOKENS);
                double max = 0;
                double worst = 0;
                for (int i = 0; i < logits.length; i++) {
                    max = Math.max(max, Math.abs(logits[i]));
                    worst = Math.max(worst, Math.abs(logits[i] - got.values()[i]));
                }
                double bound = 1e-9 * Math.max(1, max);
                assertTrue(worst <= bound, "reference forward with the adapter differs from peft by " + worst + " > " + bound);
            }
        }
    }

    void rescaleIsJudgedEqual(TransformersOracle oracle, Settings.Named s, Path work) {
        Path out = work.resolve(adapter.getFileName() + "~rescaled");
        RescalePlan plan = rescale(s, out);
        judge(oracle, out, plan, false).assertPasses("lora " + s.name());
        VerifyReport probes = Wisca.verify(base.dir(), base.dir()).adapterA(adapter).adapterB(out).probes().run();
        assertTrue(probes.equivalent(), "wisca verify (probes) of the rescaled adapter: " + probes.summary());
    }

    void corruptionIsCaught(TransformersOracle oracle, Settings.Named s, Path work) {
        Path out = work.resolve(adapter.getFileName() + "~corrupted");
        Judgement j = judge(oracle, out, rescale(s, out), true);
        assertFalse(j.withinTolerance(), "doubling one row of a rescaled LoRA factor went unnoticed (" + j.maxAbsDiff() + ")");
    }

    private RescalePlan rescale(Settings.Named s, Path out) {
        try (Model model = Wisca.open(adapter)) {
            RescalePlan plan = model.plan(s.settings());
            model.apply(plan, out);
            return plan;
        }
    }

    private Judgement judge(TransformersOracle oracle, Path rescaled, RescalePlan plan, boolean corrupt) {
        ObjectNode req = TransformersOracle.request("check_lora").put("base", base.dir().toString()).put("original", adapter.toString())
            .put("rescaled", rescaled.toString()).put("corrupt", corrupt);
        req.set("tokens", Fixture.tokens());
        var touched = req.putArray("touched");
        plan.tensors().forEach(touched::add);
        return Judgement.of(oracle.call(req), Judgement.F32);
    }
}
