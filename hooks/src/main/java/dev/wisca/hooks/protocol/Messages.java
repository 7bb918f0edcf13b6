package dev.wisca.hooks.protocol;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import dev.wisca.rescale.solve.SiteReport;
import java.util.List;

/**
 * The stats→plan protocol, version 1: every message as a record. JSON field names are the record
 * components; unknown fields are rejected. A loop {@code describe}s its parameters once, then for
 * each stage of the answer measures the requested statistics (with the factors of the earlier
 * stages applied on the fly) and asks to {@code solve} them; it multiplies each stage's factors into
 * its running product and finally applies the product once: {@code W ← diag(rows)·W·diag(cols)}.
 */
public final class Messages {
    private Messages() {}

    public static final int VERSION = 1;

    /** A parameter of the loop: its name as in the checkpoint, safetensors dtype name ({@code F32}, {@code BF16}, ...), shape. */
    public record ParameterEntry(String name, String dtype, long[] shape) {}

    /**
     * The options of {@code wisca rescale}; any field may be absent (null) for its default.
     *
     * @param pairs       qk, vo, updown, norm, lora, qknorm (default qk, vo)
     * @param granularity tensor, kv-group, channel (default tensor)
     * @param norm        l1, l2, max (default l1)
     * @param pow2        auto, on, off (default auto: on for dtypes narrower than f32)
     */
    public record OptionsEntry(List<String> pairs, String granularity, String norm, Double alpha, String pow2,
                               Boolean foldNorms, Double minScale, Double maxScale, Double targetRatio) {}

    /**
     * Request {@code describe}: binds an architecture spec, or a PEFT LoRA adapter, to the parameters.
     *
     * <p>With {@code adapterConfig} the session rescales the adapter's LORA sites (per rank i:
     * {@code A[i,:]·s_i}, {@code B[:,i]/s_i}, so BA is unchanged) in one stage; {@code options.pairs}
     * must then be absent or exactly {@code ["lora"]} and {@code archSpec} absent ({@code config} is not read).
     * The factors may be named as in adapter_model.safetensors
     * ({@code base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight}) or as a live PEFT model
     * names its parameters, with the adapter's name before {@code .weight}
     * ({@code ...q_proj.lora_A.default.weight}); other parameters (frozen base weights) are ignored.
     *
     * @param config        config.json content (dims are read from it)
     * @param archSpec      an architecture spec (same JSON as a spec file), or null to detect it from config
     * @param adapterConfig the adapter's adapter_config.json content, or null for an architecture (then
     *                      not written, so a version-1 server that predates adapters still reads the request)
     */
    public record DescribeRequest(List<ParameterEntry> parameters, JsonNode config, JsonNode archSpec, OptionsEntry options,
                                  @JsonInclude(JsonInclude.Include.NON_NULL) JsonNode adapterConfig) {
        /** An architecture's request (no adapter). */
        public DescribeRequest(List<ParameterEntry> parameters, JsonNode config, JsonNode archSpec, OptionsEntry options) {
            this(parameters, config, archSpec, options, null);
        }
    }

    /**
     * One statistic the loop measures: per index along {@code axis} ({@code rows} or {@code cols}) of
     * {@code tensor} (of its matrix {@code tensor[batch]} when {@code batch >= 0}; a 1-D tensor has
     * rows only), the sums over the other axis of {@code v}, {@code |v|}, {@code v²} and the max of
     * {@code |v|}, with {@code v = r_i·w_ij·c_j} under the running factors ({@code v = r_i·(1 + w_i)}
     * when {@code offsetGain}).
     */
    public record StatRequest(int id, String tensor, int batch, String axis, boolean offsetGain) {}

    /** One solving stage: its statistics are measured after the factors of every earlier stage. */
    public record StageEntry(int index, String name, List<String> pairs, List<StatRequest> requests) {}

    public record SkippedEntry(String id, String pair, String reason) {}

    /** Answer to {@code describe}: a session to quote in {@code solve}, and the stages in order. */
    public record DescribeResponse(int version, String session, String modelType, int sites,
                                   List<SkippedEntry> skipped, List<StageEntry> stages) {}

    /** The measured vectors of one request, each as long as the request's axis (summed over every rank already). */
    public record StatVectors(int id, double[] sum, double[] absSum, double[] sqSum, double[] absMax) {}

    /** Request {@code solve}: the statistics of every request of one stage. */
    public record SolveRequest(String session, Integer stage, List<StatVectors> stats) {}

    /**
     * A stage's factors for one tensor (see {@code dev.wisca.rescale.plan.TensorFactors} for the
     * layout: rows per global row {@code batch·a + i}, cols per {@code batch·b + j}; 1-D tensors have
     * one column). The optimizer's first moment follows as {@code m·momentRows_i·momentCols_j}, the
     * second as {@code v·(momentRows_i·momentCols_j)²}.
     */
    public record FactorEntry(String tensor, double[] rows, double[] cols, boolean offsetGain,
                              double[] momentRows, double[] momentCols) {}

    /** Answer to {@code solve}: factors of the tensors this stage scales (identities omitted), what the solver did per site. */
    public record SolveResponse(String session, int stage, List<FactorEntry> factors, List<SiteReport> sites) {}

    /** @param kind an {@code ErrorKind} name ({@code InvalidArgument}, ...), {@code UnknownSession}, {@code BadRequest} or {@code Internal} */
    public record ErrorEntry(String kind, String message) {}

    public record ErrorResponse(ErrorEntry error) {}

    /** A line of {@code wisca serve --stdio}: op is describe, solve, health or shutdown. */
    public record StdioRequest(String op, JsonNode request) {}

    /** Its answer line: exactly one of response and error is set. */
    public record StdioResponse(boolean ok, JsonNode response, ErrorEntry error) {}

    /** Answer to {@code health}. */
    public record Health(String status, int version, int sessions) {}
}
