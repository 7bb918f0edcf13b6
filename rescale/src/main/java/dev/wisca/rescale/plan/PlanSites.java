package dev.wisca.rescale.plan;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.TensorSource;
import dev.wisca.io.WiscaException;
import dev.wisca.rescale.graph.Granularity;
import dev.wisca.rescale.graph.Site;
import dev.wisca.rescale.graph.SiteSet;
import dev.wisca.rescale.solve.SiteReport;
import dev.wisca.rescale.solve.SiteSolution;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * A plan is function-preserving only if every tensor factor is exactly what its sites make: each site
 * multiplies its producers by s and divides its consumers by s. The hash only says the vectors were not
 * damaged by accident (anyone can re-hash an edited plan), so before applying, the factors are rebuilt
 * from the plan's site scales on this model's own sites and compared: a q scaled without its k, a
 * factor on a tensor no site touches, a site this model does not have are all refused.
 */
public final class PlanSites {
    /** Relative difference allowed between rebuilt and stored factors (the same products in the same order are exact). */
    static final double RELATIVE = 1e-12;

    private PlanSites() {}

    /**
     * @param sitesAt the model's sites for the plan's pairs at a granularity
     * @throws WiscaException INVALID_PLAN naming the site or tensor that breaks the inverse pairing
     */
    public static void requireInversePairs(Plan plan, TensorSource source, Function<Granularity, SiteSet> sitesAt) {
        FactorTable rebuilt = rebuild(plan, source, sitesAt);
        Map<String, TensorFactors> expected = rebuilt.factors();
        for (TensorFactors f : plan.factors().values()) {
            TensorFactors e = expected.get(f.tensor());
            if (e == null) throw invalid(f.tensor(), "the plan scales this tensor but none of its sites does: applying it would"
                + " change the model's function");
            if (e.offsetGain() != f.offsetGain() || !close(e.rowsView(), f.rowsView()) || !close(e.colsView(), f.colsView())) {
                throw invalid(f.tensor(), "the plan's factors for this tensor are not the ones its site scales make (each site"
                    + " scales its producers by s and its consumers by 1/s): not an inverse pair, applying it would change the"
                    + " model's function");
            }
        }
        for (String tensor : expected.keySet()) {
            if (!plan.factors().containsKey(tensor)) throw invalid(tensor, "the plan's sites scale this tensor but the plan"
                + " leaves it unchanged: its partner would be scaled alone");
        }
    }

    private static FactorTable rebuild(Plan plan, TensorSource source, Function<Granularity, SiteSet> sitesAt) {
        String firstMissing = null;
        for (Granularity g : Granularity.values()) {
            SiteSet sites = sitesAt.apply(g);
            FactorTable table = new FactorTable(source);
            Optional<String> missing = Optional.empty();
            for (SiteReport r : plan.reports()) {
                double[] scales = plan.siteScales().get(r.id());
                Optional<Site> site = sites.site(r.id()).filter(s -> scales != null && s.channels() == scales.length);
                if (site.isEmpty()) {
                    missing = Optional.of(r.id());
                    break;
                }
                table.add(new SiteSolution(site.get(), scales, r));
            }
            if (missing.isEmpty()) return table;
            if (firstMissing == null) firstMissing = missing.get();
        }
        throw invalid(null, "site " + firstMissing + " of the plan is not a site of this model (with that many channels):"
            + " the plan was made for another architecture or edited");
    }

    private static boolean close(double[] a, double[] b) {
        if (a.length != b.length) return false;
        for (int i = 0; i < a.length; i++) {
            if (a[i] != b[i] && !(Math.abs(a[i] - b[i]) <= RELATIVE * Math.abs(a[i]))) return false;
        }
        return true;
    }

    private static WiscaException invalid(String tensor, String detail) {
        return new WiscaException(ErrorKind.INVALID_PLAN, null, tensor, detail);
    }

}
