package dev.wisca.rescale.verify;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * The outcome of {@link Verifier#verify}.
 *
 * @param mode             which check ran
 * @param architecture     model_type of the spec both checkpoints were bound to
 * @param equivalent       every block (probe mode) or every logit / hidden-state element (full mode) within tolerance, and
 *                         every untouched tensor bit-identical
 * @param maxAbs           largest |A − B| over all compared outputs (probe outputs, logits or last_hidden_state)
 * @param maxRel           largest per-block relative difference (|Δ| over the block's largest |output|)
 * @param argmaxAgreement  full mode of a causal LM: fraction of positions whose top-1 token agrees; empty in probe mode and
 *                         for encoders (a hidden state has no top-1 token)
 * @param tolerance        the rule used, and how it was derived
 * @param blocks           per block (probe mode: per head, MLP, expert, LoRA module; full mode: per sequence), in model order
 * @param firstOffending   the first block, in model order, that failed
 * @param worst            the block closest to (or furthest past) its tolerance
 * @param measured         full mode with the default tolerance: how it was measured, and the numbers
 * @param output           what was compared: full mode's logits or (encoders) last_hidden_state per sequence, or probe blocks
 */
public record VerifyReport(VerifyOptions.Mode mode, String architecture, boolean equivalent, double maxAbs, double maxRel,
                           OptionalDouble argmaxAgreement, String tolerance, List<BlockResult> blocks,
                           Optional<BlockResult> firstOffending, Optional<BlockResult> worst, Optional<MeasuredTolerance> measured,
                           ComparedOutput output) {
    public VerifyReport {
        blocks = List.copyOf(blocks);
    }

    static VerifyReport of(VerifyOptions.Mode mode, String architecture, OptionalDouble argmaxAgreement, String tolerance, List<BlockResult> blocks) {
        return of(mode, architecture, argmaxAgreement, tolerance, blocks, Optional.empty(),
            mode == VerifyOptions.Mode.PROBES ? ComparedOutput.BLOCKS : ComparedOutput.LOGITS);
    }

    static VerifyReport of(VerifyOptions.Mode mode, String architecture, OptionalDouble argmaxAgreement, String tolerance, List<BlockResult> blocks,
                           Optional<MeasuredTolerance> measured, ComparedOutput output) {
        double maxAbs = 0;
        double maxRel = 0;
        for (BlockResult b : blocks) {
            maxAbs = Math.max(maxAbs, b.maxAbs());
            maxRel = Math.max(maxRel, b.maxRel());
        }
        Optional<BlockResult> first = blocks.stream().filter(b -> !b.ok()).findFirst();
        Optional<BlockResult> worst = blocks.stream().filter(b -> b.outputs() > 0 || !b.ok()).max(Comparator.comparingDouble(BlockResult::ratio));
        return new VerifyReport(mode, architecture, first.isEmpty(), maxAbs, maxRel, argmaxAgreement, tolerance, blocks, first, worst, measured, output);
    }

    /** Exit code for the CLI: 0 equivalent, 1 not equivalent. */
    public int exitCode() { return equivalent ? 0 : 1; }

    /** One line for CI logs. */
    public String summary() {
        StringBuilder s = new StringBuilder();
        s.append(equivalent ? "EQUIVALENT" : "NOT EQUIVALENT").append(" (").append(mode.name().toLowerCase(Locale.ROOT)).append(", ")
            .append(architecture).append(", ");
        // full mode names the compared output (logits, or an encoder's last_hidden_state); probe mode compares blocks
        if (output != ComparedOutput.BLOCKS) s.append(output.jsonName()).append(", ");
        s.append(blocks.size()).append(" blocks): max abs ").append(fmt(maxAbs))
            .append(", max rel ").append(fmt(maxRel));
        argmaxAgreement.ifPresent(a -> s.append(", argmax agreement ").append(String.format(Locale.ROOT, "%.1f%%", 100 * a)));
        firstOffending.ifPresent(b -> s.append("; first offending: ").append(describe(b)));
        if (equivalent) worst.ifPresent(b -> s.append("; worst: ").append(b.block()).append(" at ").append(fmt(b.ratio())).append(" of tolerance"));
        measured.ifPresent(m -> s.append("; tolerance |Δ").append(output.element()).append("| ≤ ").append(fmt(m.atol())).append(" (measured: ").append(fmt(MeasuredTolerance.MULTIPLE))
            .append(" × rounding deviation ").append(fmt(m.maxDeviation())).append(")"));
        return s.toString();
    }

    private static String describe(BlockResult b) {
        String d = b.block();
        if (!b.detail().isEmpty()) return d + " (" + b.detail() + ")";
        return d + " (|Δ| " + fmt(b.maxAbs()) + ", rel " + fmt(b.maxRel()) + ", " + fmt(b.ratio()) + "× tolerance " + fmt(b.tolerance()) + ")";
    }

    public ObjectNode toJsonTree() {
        ObjectMapper m = new ObjectMapper();
        ObjectNode root = m.createObjectNode();
        root.put("equivalent", equivalent);
        root.put("mode", mode.name().toLowerCase(Locale.ROOT));
        root.put("architecture", architecture);
        root.put("output", output.jsonName());
        root.put("summary", summary());
        number(root, "max_abs", maxAbs);
        number(root, "max_rel", maxRel);
        if (argmaxAgreement.isPresent()) root.put("argmax_agreement", argmaxAgreement.getAsDouble());
        else root.putNull("argmax_agreement");
        root.put("tolerance", tolerance);
        if (measured.isPresent()) {
            MeasuredTolerance mt = measured.get();
            ObjectNode t = root.putObject("tolerance_measured");
            number(t, "atol", mt.atol());
            number(t, "rtol", mt.rtol());
            number(t, "rounding_deviation", mt.maxDeviation());
            number(t, "multiple", MeasuredTolerance.MULTIPLE);
            t.put("seeds", MeasuredTolerance.SEEDS);
            t.put("changed_tensors", mt.changed());
            number(t, "largest_relative_rounding", mt.largestU());
        } else {
            root.putNull("tolerance_measured");
        }
        if (firstOffending.isPresent()) root.put("first_offending", firstOffending.get().block());
        else root.putNull("first_offending");
        if (worst.isPresent()) root.put("worst", worst.get().block());
        else root.putNull("worst");
        ArrayNode list = root.putArray("blocks");
        for (BlockResult b : blocks) {
            ObjectNode n = list.addObject();
            n.put("block", b.block());
            n.put("layer", b.layer());
            n.put("outputs", b.outputs());
            number(n, "max_abs", b.maxAbs());
            number(n, "max_rel", b.maxRel());
            number(n, "tolerance", b.tolerance());
            number(n, "ratio", b.ratio());
            n.put("ok", b.ok());
            if (!b.detail().isEmpty()) n.put("detail", b.detail());
        }
        return root;
    }

    /** The report as pretty-printed JSON (non-finite numbers as strings: JSON has none). */
    public String toJson() {
        try {
            return new ObjectMapper().writerWithDefaultPrettyPrinter().writeValueAsString(toJsonTree());
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            throw new IllegalStateException("report JSON", e);
        }
    }

    private static void number(ObjectNode n, String key, double v) {
        if (Double.isFinite(v)) n.put(key, v);
        else n.put(key, Double.toString(v));
    }

    private static String fmt(double v) { return String.format(Locale.ROOT, "%.3g", v); }
}
