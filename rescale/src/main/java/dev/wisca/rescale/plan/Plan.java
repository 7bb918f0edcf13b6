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

/**
 * What a rescale does: the factors of every touched tensor (authoritative for apply), the scale of
 * every site channel, and the solver's report. Tensors absent from {@link #factors()} are untouched.
 *
 * @param options    how the scales were chosen
 * @param undo       whether this plan undoes the one it was derived from
 * @param reports    one per site, in solving order
 * @param siteScales the scales per site id
 * @param factors    per tensor name
 */
public record Plan(SolverOptions options, boolean undo, List<SiteReport> reports,
                   Map<String, double[]> siteScales, Map<String, TensorFactors> factors) {
    public Plan {
        reports = List.copyOf(reports);
        siteScales = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(siteScales));
        factors = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(factors));
    }

    /** The plan applying the reciprocal of every factor and scale: {@code apply(p.inverse())} undoes {@code apply(p)}. */
    public Plan inverse() {
        Map<String, double[]> scales = new LinkedHashMap<>();
        siteScales.forEach((id, s) -> scales.put(id, Arrays.stream(s).map(v -> 1.0 / v).toArray()));
        Map<String, TensorFactors> inv = new LinkedHashMap<>();
        factors.forEach((name, f) -> inv.put(name, f.inverse()));
        return new Plan(options, !undo, reports, scales, inv);
    }

    /** The dtype and shape every touched tensor must have. */
    public List<TensorFingerprint> fingerprint() {
        return factors.values().stream().map(f -> new TensorFingerprint(f.tensor(), f.dtype(), f.shape())).toList();
    }

    /**
     * Checks that every touched tensor exists in {@code source} with the planned dtype and shape.
     *
     * @throws WiscaException INVALID_PLAN naming the first mismatch
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
