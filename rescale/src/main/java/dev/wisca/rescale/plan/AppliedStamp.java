package dev.wisca.rescale.plan;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.SafetensorsFile;
import dev.wisca.io.WiscaException;
import dev.wisca.io.hf.Checkpoint;
import dev.wisca.io.inplace.PlanStamps;
import dev.wisca.rescale.graph.Site;
import dev.wisca.rescale.solve.SolverOptions;
import java.io.IOException;
import java.util.List;
import java.util.function.Function;

/**
 * The {@code wisca.plan} stamp in every output shard's metadata: built here ({@link #of}, the one place, for
 * apply, undo, moments and the watcher) and read here to check provenance (from the header, or from the side
 * file an in-place run writes beside a shard whose header had no room, see {@link PlanStamps}): a plan is only
 * undone on a checkpoint it was applied to.
 */
public final class AppliedStamp {
    /** The metadata key of the stamp (the same key apply writes). */
    public static final String KEY = "wisca.plan";

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private AppliedStamp() {}

    /**
     * The stamp of {@code plan}: {@code {"hash", "undo", "pairs", "norm", "pow2", "sites"}} (the hash and the
     * undo flag are what provenance checks read; the rest tells a reader what was applied).
     */
    public static String of(Plan plan) {
        return stamp(plan.hash(), plan.undo(), plan.reports().stream().map(r -> r.pair().cliName()).distinct().toList(),
            plan.options().norm().cliName(), plan.reports().stream().anyMatch(r -> r.pow2()), plan.reports().size());
    }

    /**
     * What {@link #of} will most likely give for the plan of {@code sites} under {@code options}, before it is
     * solved: the same fields, a hash of zeros, {@code pow2} as the solver will resolve it from the members'
     * dtypes. Of the same length as the real stamp, so a file laid out with it has the final layout; only a
     * head start uses it ({@link dev.wisca.io.WriteAhead}), never a file's header.
     */
    public static String provisional(List<Site> sites, SolverOptions options, Function<String, Dtype> dtypeOf) {
        boolean pow2 = sites.stream().anyMatch(site -> options.pow2().resolve(
            site.members().stream().map(m -> dtypeOf.apply(m.tensor())).toList()));
        return stamp("0".repeat(16), false, sites.stream().map(site -> site.pair().cliName()).distinct().toList(),
            options.norm().cliName(), pow2, sites.size());
    }

    private static String stamp(String hash, boolean undo, List<String> pairNames, String norm, boolean pow2, int sites) {
        ObjectNode stamp = MAPPER.createObjectNode();
        stamp.put("hash", hash);
        stamp.put("undo", undo);
        ArrayNode pairs = stamp.putArray("pairs");
        pairNames.forEach(pairs::add);
        stamp.put("norm", norm);
        stamp.put("pow2", pow2);
        stamp.put("sites", sites);
        return stamp.toString();
    }

    /**
     * Checks that every shard of {@code ckpt} carries the stamp of {@code plan} applied forwards.
     *
     * @throws WiscaException PLAN_MISMATCH naming the shard without the stamp or with another plan's
     */
    public static void requireApplied(Checkpoint ckpt, Plan plan) {
        if (plan.undo()) {
            throw new WiscaException(ErrorKind.PLAN_MISMATCH, ckpt.folder(), null, "this plan is itself an undo plan; undo takes"
                + " the plan that was applied (the one saved with --save-plan)");
        }
        for (SafetensorsFile shard : ckpt.shardFiles()) {
            String stamp = PlanStamps.read(shard, KEY).orElse(null);   // a valid side stamp of an in-place run first
            if (stamp == null) {
                throw new WiscaException(ErrorKind.PLAN_MISMATCH, shard.path(), null, "no " + KEY + " stamp in the header (nor a side stamp): this"
                    + " file was not written by applying a plan, so there is nothing to undo (undo takes the rescaled checkpoint)");
            }
            JsonNode tree;
            try {
                tree = MAPPER.readTree(stamp);
            } catch (IOException e) {
                throw new WiscaException(ErrorKind.PLAN_MISMATCH, shard.path(), null, "the " + KEY + " stamp is not JSON: " + e.getMessage());
            }
            String hash = tree == null ? "" : tree.path("hash").asText("");
            boolean undone = tree != null && tree.path("undo").asBoolean(false);
            if (undone) {
                throw new WiscaException(ErrorKind.PLAN_MISMATCH, shard.path(), null, "this file is the output of an undo (stamp "
                    + hash + "); it holds the original weights already");
            }
            if (!hash.equals(plan.hash())) {
                throw new WiscaException(ErrorKind.PLAN_MISMATCH, shard.path(), null, "the checkpoint was rescaled by plan " + hash
                    + " but this plan is " + plan.hash() + ": undoing another plan would damage it");
            }
        }
    }
}
