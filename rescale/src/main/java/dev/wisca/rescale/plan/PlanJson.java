package dev.wisca.rescale.plan;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.wisca.io.Dtype;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.solve.Pow2Mode;
import dev.wisca.rescale.solve.SiteReport;
import dev.wisca.rescale.solve.SolverOptions;
import dev.wisca.rescale.stats.Norm;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * The JSON half of a saved plan ({@code plan.json}): options, per-site reports, the tensors the
 * plan scales (dtype, shape, content digest: the checkpoint fingerprint) and the factor hash. Bound to records that
 * reject unknown fields; the vectors live in {@code plan.safetensors}.
 */
final class PlanJson {
    static final String FORMAT = "wisca-plan";
    static final int VERSION = 1;

    private static final ObjectMapper MAPPER = new ObjectMapper()
        .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
        .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
        .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
        .enable(SerializationFeature.INDENT_OUTPUT);

    record Document(String format, int version, boolean undo, String hash, Options options,
                    List<SiteReport> sites, List<TensorEntry> tensors) {}

    record Options(String norm, double alpha, double minScale, double maxScale, double targetRatio,
                   String pow2, boolean foldNorms) {}

    record TensorEntry(String name, String dtype, long[] shape, boolean offsetGain, String digest) {}

    private PlanJson() {}

    static String write(Plan plan) {
        SolverOptions o = plan.options();
        Options options = new Options(o.norm().cliName(), o.alpha(), o.minScale(), o.maxScale(), o.targetRatio(),
            o.pow2().name().toLowerCase(Locale.ROOT), o.foldNorms());
        List<TensorEntry> tensors = plan.factors().values().stream()
            .map(f -> new TensorEntry(f.tensor(), f.dtype().headerName(), f.shape(), f.offsetGain(), plan.digests().get(f.tensor()))).toList();
        try {
            return MAPPER.writeValueAsString(new Document(FORMAT, VERSION, plan.undo(), plan.hash(), options, plan.reports(), tensors));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("plan records always serialise", e);
        }
    }

    static Document read(String json, Path file) {
        Document d;
        try {
            d = MAPPER.readValue(json, Document.class);
        } catch (JsonProcessingException e) {
            throw invalid(file, "not a wisca plan: " + e.getOriginalMessage());
        }
        if (d == null || !FORMAT.equals(d.format()) || d.version() != VERSION) {
            throw invalid(file, "expected format '" + FORMAT + "' version " + VERSION);
        }
        if (d.options() == null || d.sites() == null || d.tensors() == null || d.hash() == null) {
            throw invalid(file, "options, sites, tensors and hash are required");
        }
        if (d.sites().stream().anyMatch(s -> s == null || s.id() == null || s.pair() == null || s.norm() == null
                || s.notes().stream().anyMatch(n -> n == null || n.kind() == null))
                || d.tensors().stream().anyMatch(t -> t == null)) {
            throw invalid(file, "null where a site, a note or a tensor entry belongs");
        }
        return d;
    }

    static SolverOptions options(Document d, Path file) {
        Options o = d.options();
        try {
            return new SolverOptions(Norm.parse(o.norm()), o.alpha(), o.minScale(), o.maxScale(), o.targetRatio(),
                Pow2Mode.valueOf(o.pow2().toUpperCase(Locale.ROOT)), o.foldNorms());
        } catch (IllegalArgumentException | NullPointerException | WiscaException e) {
            throw invalid(file, "bad options: " + WiscaException.detailOf(e));
        }
    }

    static Dtype dtype(TensorEntry t, Path file) {
        return Dtype.fromHeaderName(t.dtype() == null ? "" : t.dtype())
            .orElseThrow(() -> new WiscaException(ErrorKind.INVALID_PLAN, file, t.name(), "unknown dtype " + t.dtype()));
    }

    static WiscaException invalid(Path file, String detail) {
        return new WiscaException(ErrorKind.INVALID_PLAN, file, null, detail);
    }
}
