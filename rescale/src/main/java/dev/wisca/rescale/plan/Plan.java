package dev.wisca.rescale.plan;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.Tensor;
import dev.wisca.io.TensorSource;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.solve.SiteReport;
import dev.wisca.rescale.solve.SolverOptions;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Collections;

/**
 * What a rescale does: the factors of every touched tensor (authoritative for apply), the scale of
 * every site channel, and the solver's report. Tensors absent from {@link #factors()} are untouched.
 *
 * @param options    how the scales were chosen
 * @param undo       whether this plan undoes the one it was derived from
 * @param reports    one per site, in solving order
 * @param siteScales the scales per site id
 * @param factors    per tensor name
 * @param digests    per touched tensor, the content digest ({@link TensorFingerprint#digest}) of the checkpoint
 *                   the plan was made for; empty where unknown (in-memory plans, undo plans)
 */
public record Plan(SolverOptions options, boolean undo, List<SiteReport> reports,
                   Map<String, double[]> siteScales, Map<String, TensorFactors> factors, Map<String, String> digests) {
    public Plan {
        reports = List.copyOf(reports);
        siteScales = Collections.unmodifiableMap(new LinkedHashMap<>(siteScales));
        factors = Collections.unmodifiableMap(new LinkedHashMap<>(factors));
        digests = Map.copyOf(digests);
    }

    /** A plan that does not know the content of the checkpoint it was made for. */
    public Plan(SolverOptions options, boolean undo, List<SiteReport> reports, Map<String, double[]> siteScales,
                Map<String, TensorFactors> factors) {
        this(options, undo, reports, siteScales, factors, Map.of());
    }

    /** This plan, remembering the content digest of every touched tensor of {@code source}. */
    public Plan withDigestsOf(TensorSource source) {
        Map<String, String> d = new LinkedHashMap<>();
        for (String name : factors.keySet()) source.find(name).ifPresent(t -> d.put(name, TensorFingerprint.digest(source, t)));
        return new Plan(options, undo, reports, siteScales, factors, d);
    }

    /** The plan applying the reciprocal of every factor and scale: {@code apply(p.inverse())} undoes {@code apply(p)}. */
    public Plan inverse() {
        Map<String, double[]> scales = new LinkedHashMap<>();
        siteScales.forEach((id, s) -> scales.put(id, Arrays.stream(s).map(v -> 1.0 / v).toArray()));
        Map<String, TensorFactors> inv = new LinkedHashMap<>();
        factors.forEach((name, f) -> inv.put(name, f.inverse()));
        // The digests describe the checkpoint before the plan; the inverse applies to the rescaled one.
        return new Plan(options, !undo, reports, scales, inv);
    }

    /** The dtype, shape and (where known) content digest every touched tensor must have. */
    public List<TensorFingerprint> fingerprint() {
        return factors.values().stream().map(f -> new TensorFingerprint(f.tensor(), f.dtype(), f.shape(),
            digests.get(f.tensor()))).toList();
    }

    /**
     * Checks that every touched tensor exists in {@code source} with the planned dtype and shape, and
     * holds the content the plan was made for.
     *
     * @throws WiscaException INVALID_PLAN for a missing tensor or another dtype/shape, PLAN_MISMATCH
     *                        for other content (a plan made for another checkpoint)
     */
    public void checkMatches(TensorSource source) {
        for (TensorFingerprint f : fingerprint()) {
            Tensor t = source.find(f.tensor()).orElseThrow(() -> new WiscaException(ErrorKind.INVALID_PLAN, null,
                f.tensor(), "the plan scales this tensor but the checkpoint has none by that name"));
            if (t.dtype() != f.dtype() || !Arrays.equals(t.shape(), f.shape())) {
                throw new WiscaException(ErrorKind.INVALID_PLAN, t.file(), f.tensor(), "the plan was made for "
                    + f.dtype() + Arrays.toString(f.shape()) + " but the checkpoint holds "
                    + t.dtype() + Arrays.toString(t.shape()));
            }
        }
        // Content second, once every name, dtype and shape fits: a structural mismatch is the clearer message.
        for (TensorFingerprint f : fingerprint()) {
            if (f.digest() == null) continue;   // a plan that does not know its checkpoint's content
            Tensor t = source.find(f.tensor()).orElseThrow();
            String digest = TensorFingerprint.digest(source, t);
            if (!f.digest().equals(digest)) {
                throw new WiscaException(ErrorKind.PLAN_MISMATCH, t.file(), f.tensor(), "the plan was made for another"
                    + " checkpoint: this tensor's content differs from the one the plan was solved on (fingerprint "
                    + digest + ", the plan's " + f.digest() + "); solve a plan for this checkpoint");
            }
        }
    }

    /** SHA-256 of the factor vectors (names, bits), first 16 hex digits: identifies what was applied. */
    public String hash() {
        try {
            MessageDigest sha = MessageDigest.getInstance("SHA-256");
            for (TensorFactors f : factors.values()) {
                sha.update(f.tensor().getBytes(StandardCharsets.UTF_8));
                sha.update(doubles(f.rowsView()));
                sha.update(doubles(f.colsView()));
            }
            return HexFormat.of().formatHex(sha.digest()).substring(0, 16);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is a required JDK algorithm", e);
        }
    }

    private static byte[] doubles(double[] v) {
        ByteBuffer b = ByteBuffer.allocate(8 * v.length);
        for (double d : v) b.putDouble(d);
        return b.array();
    }
}
