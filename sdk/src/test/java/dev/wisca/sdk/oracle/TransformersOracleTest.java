package dev.wisca.sdk.oracle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.rescale.forward.Logits;
import dev.wisca.rescale.forward.ModelSource;
import dev.wisca.rescale.forward.ReferenceForward;
import dev.wisca.rescale.forward.djl.DjlForward;
import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.rescale.verify.VerifyReport;
import dev.wisca.sdk.Model;
import dev.wisca.sdk.RescalePlan;
import dev.wisca.sdk.Wisca;
import dev.wisca.sdk.oracle.Fixture.Storage;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicContainer;
import org.junit.jupiter.api.DynamicNode;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * transformers is the judge, for every built-in family (the spec folder: a new spec without an oracle
 * fixture fails here). For each family variant and storage the oracle writes a tiny random checkpoint
 * with transformers' own classes (a family's first variant as f32 single file, f32 sharded, bf16
 * sharded, and for MoE families with the experts fused as transformers holds them; further variants,
 * such as RoPE types, as f32); then
 * <ul>
 *   <li>wisca's reference forward pass and the DJL one {@code wisca verify} runs give transformers'
 *       float64 logits within 1e-9 (relative to the largest logit); for encoders the judged output is
 *       last_hidden_state (transformers' base model of the stored architecture), everywhere below too;</li>
 *   <li>each {@link Settings} rescaling (all of them on the first fixture of a family), planned and applied through the SDK, loads back strictly in
 *       transformers with the same logits (dtype tolerance, {@link Judgement}), untouched tensors
 *       bit-identical, and {@code Wisca.verify} (probes) calls it equivalent;</li>
 *   <li>undo gives the original's logits back, and a corrupted output fails the judge (it can fail).</li>
 * </ul>
 * A PEFT LoRA adapter made by peft itself is judged the same way. {@code -Doracle.families=llama,gpt2}
 * narrows a run to some families while working on them.
 */
@Tag("python")
class TransformersOracleTest {
    @TempDir
    static Path work;
    static TransformersOracle oracle;
    static JsonNode known;
    static final AtomicInteger CHECKS = new AtomicInteger();
    /** Worst relative logit difference seen per stored dtype (reported, to keep the tolerances honest). */
    static final Map<String, String> WORST = new ConcurrentSkipListMap<>();
    private static final Map<String, Double> WORST_VALUE = new ConcurrentSkipListMap<>();

    @BeforeAll
    static void start() throws Exception {
        oracle = TransformersOracle.start(work);
        known = oracle.call(TransformersOracle.request("families"));
    }

    @AfterAll
    static void stop() throws Exception {
        System.out.println("transformers oracle: " + CHECKS.get() + " rescaled checkpoints judged by transformers "
            + known.path("transformers").asText() + "; worst |Δlogit| / max(1, max |logit|) per dtype: " + WORST);
        if (oracle != null) oracle.close();
    }

    @TestFactory
    List<DynamicContainer> everyFamilyAgreesWithTransformers() {
        List<DynamicContainer> families = new ArrayList<>();
        long seed = 1;
        String only = System.getProperty("oracle.families", "");
        for (String family : SpecLibrary.builtin().modelTypes()) {
            if (!only.isBlank() && !List.of(only.split(",")).contains(family)) continue;
            List<DynamicNode> tests = new ArrayList<>();
            JsonNode variants = known.path("families").path(family);
            tests.add(DynamicTest.dynamicTest("the oracle can build " + family, () -> assertFalse(variants.isEmpty(),
                "transformers_oracle.py has no fixture for spec " + family + ": add it to FAMILIES")));
            boolean fused = false;
            for (JsonNode f : known.path("fused_experts")) fused |= f.asText().equals(family);
            for (JsonNode v : variants) {
                String variant = v.asText();
                if (variant.equals(variants.get(0).asText())) {
                    tests.add(fixtureTests(family, variant, Storage.F32_SINGLE, Settings.all(), seed++));
                    tests.add(fixtureTests(family, variant, Storage.F32_SHARDED, Settings.main(), seed++));
                    // bf16 MoE with real-valued scales: re-rounding the router in bf16 can flip a token's top-k
                    // experts, a discrete change no logit tolerance covers; power-of-two scales (bf16's default) stay exact
                    List<Settings.Named> bf16 = fused ? Settings.mainPow2() : Settings.main();
                    tests.add(fixtureTests(family, variant, Storage.BF16_SHARDED, bf16, seed++));
                    if (fused) {
                        tests.add(fixtureTests(family, variant, Storage.F32_FUSED, Settings.main(), seed++));
                        tests.add(fixtureTests(family, variant, Storage.BF16_FUSED, bf16, seed++));
                    }
                } else {
                    tests.add(fixtureTests(family, variant, Storage.F32_SINGLE, Settings.few(), seed++));
                }
            }
            families.add(DynamicContainer.dynamicContainer(family, tests));
        }
        return families;
    }

    @TestFactory
    List<DynamicContainer> loraAdaptersAgreeWithPeft() {
        List<DynamicContainer> out = new ArrayList<>();
        for (JsonNode a : known.path("adapters")) {
            String family = a.asText();
            Supplier<LoraFixture> fixture = memo(() -> LoraFixture.build(oracle, family, work, 101));
            Settings.Named s = Settings.lora();
            out.add(DynamicContainer.dynamicContainer("lora on " + family, List.of(
                DynamicTest.dynamicTest("reference forward with the adapter = peft", () -> fixture.get().referenceMatches()),
                DynamicTest.dynamicTest(s.name(), () -> fixture.get().rescaleIsJudgedEqual(oracle, s, work)),
                DynamicTest.dynamicTest("a corrupted adapter fails the judge", () -> fixture.get().corruptionIsCaught(oracle, s, work)))));
        }
        assertFalse(out.isEmpty(), "the oracle judges no LoRA adapter");
        return out;
    }

    private static DynamicContainer fixtureTests(String family, String variant, Storage storage, List<Settings.Named> settings,
                                                 long seed) {
        Supplier<Fixture> fixture = memo(() -> Fixture.build(oracle, family, variant, storage, work, seed));
        List<DynamicNode> tests = new ArrayList<>();
        tests.add(DynamicTest.dynamicTest("reference forward = transformers", () -> referenceMatches(fixture.get())));
        for (Settings.Named s : settings) {
            tests.add(DynamicTest.dynamicTest(s.name(), () -> rescaleIsJudgedEqual(fixture.get(), s)));
        }
        tests.add(DynamicTest.dynamicTest("undo", () -> undoIsJudgedEqual(fixture.get())));
        if (storage == Storage.F32_SINGLE) tests.add(DynamicTest.dynamicTest("a corrupted rescale fails the judge", () -> corruptionIsCaught(fixture.get())));
        return DynamicContainer.dynamicContainer(variant + "/" + storage.name(), tests);
    }

    /** wisca's reference forward pass and the DJL one {@code wisca verify} runs both give transformers' float64 logits. */
    static void referenceMatches(Fixture f) {
        try (Checkpoint ckpt = Checkpoint.open(f.dir())) {
            ModelSource source = ModelSource.of(ckpt, ckpt.configJson().orElseThrow(), SpecLibrary.builtin());
            try (ReferenceForward reference = ReferenceForward.open(source); DjlForward djl = DjlForward.open(source)) {
                assertSameLogits(f, reference.logits(Fixture.TOKENS), "reference forward");
                assertSameLogits(f, djl.logits(Fixture.TOKENS), "DJL forward (f64)");
            }
        }
    }

    private static void assertSameLogits(Fixture f, Logits logits, String what) {
        assertEquals(f.logits().length, logits.values().length, f.name() + ": logits count");
        double bound = 1e-9 * Math.max(1, f.maxAbsLogit());
        double worst = 0;
        for (int i = 0; i < f.logits().length; i++) worst = Math.max(worst, Math.abs(f.logits()[i] - logits.values()[i]));
        assertTrue(worst <= bound, f.name() + ": " + what + " differs from transformers by " + worst + " > " + bound);
    }

    static void rescaleIsJudgedEqual(Fixture f, Settings.Named s) {
        Path out = work.resolve(f.dir().getFileName() + "~" + s.name().replace('/', '-').replace('(', '_').replace(')', '_').replace(',', '_'));
        RescalePlan plan;
        try (Model model = Wisca.open(f.dir())) {
            plan = model.plan(s.settings());
            model.apply(plan, out);
        }
        judge(f, out, plan, false).assertPasses(f.name() + " " + s.name());
        VerifyReport probes = Wisca.verify(f.dir(), out).probes().run();
        assertTrue(probes.equivalent(), f.name() + " " + s.name() + ": wisca verify (probes): " + probes.summary());
    }

    static void undoIsJudgedEqual(Fixture f) {
        Settings.Named s = Settings.undoSetting();
        Path out = work.resolve(f.dir().getFileName() + "~undo-rescaled");
        Path back = work.resolve(f.dir().getFileName() + "~undo");
        RescalePlan plan;
        try (Model model = Wisca.open(f.dir())) {
            plan = model.plan(s.settings());
            model.apply(plan, out);
        }
        try (Model model = Wisca.open(out)) {
            model.undo(plan, back);
        }
        judge(f, back, plan, false).assertPasses(f.name() + " undo");
    }

    static void corruptionIsCaught(Fixture f) {
        Settings.Named s = Settings.undoSetting();
        Path out = work.resolve(f.dir().getFileName() + "~corrupted");
        RescalePlan plan;
        try (Model model = Wisca.open(f.dir())) {
            plan = model.plan(s.settings());
            model.apply(plan, out);
        }
        Judgement j = judge(f, out, plan, true);
        assertFalse(j.withinTolerance(), f.name() + ": doubling one row of a rescaled tensor went unnoticed (" + j.maxAbsDiff() + ")");
    }

    static Judgement judge(Fixture f, Path rescaled, RescalePlan plan, boolean corrupt) {
        ObjectNode req = TransformersOracle.request("check").put("original", f.dir().toString()).put("rescaled", rescaled.toString())
            .put("corrupt", corrupt);
        req.set("tokens", Fixture.tokens());
        var touched = req.putArray("touched");
        plan.tensors().forEach(touched::add);
        CHECKS.incrementAndGet();
        Judgement j = Judgement.of(oracle.call(req), Judgement.tolerance(f.dtype()));
        if (!corrupt) worst(f.dtype(), j.maxAbsDiff() / Math.max(1, j.maxAbs()), f.name() + " " + rescaled.getFileName());
        return j;
    }

    private static synchronized void worst(String dtype, double rel, String where) {
        if (rel > WORST_VALUE.getOrDefault(dtype, -1.0)) {
            WORST_VALUE.put(dtype, rel);
            WORST.put(dtype, String.format(java.util.Locale.ROOT, "%.3g (%s)", rel, where));
        }
    }

    static <T> Supplier<T> memo(Supplier<T> make) {
        return new Supplier<>() {
            private T value;

            @Override
            public synchronized T get() {
                if (value == null) value = make.get();
                return value;
            }
        };
    }
}
