package dev.wisca.rescale.stats;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.wisca.io.WiscaException;
import java.util.Locale;

/**
 * How a side of a site is measured. Over several members a side combines as one long vector:
 * L1 sums, L2 is the root of the summed squares, MAX takes the maximum.
 */
public enum Norm {
    L1, L2, MAX;

    /** Its name in flags, plans and JSON (lower case). */
    @JsonValue
    public String cliName() { return name().toLowerCase(Locale.ROOT); }

    @JsonCreator
    public static Norm parse(String s) {
        if (s == null) throw WiscaException.invalidArgument("no norm given (null)");
        for (Norm n : values()) if (n.cliName().equals(s.trim().toLowerCase(Locale.ROOT))) return n;
        throw WiscaException.invalidArgument("unknown norm '" + s + "' (expected l1, l2 or max)");
    }
}
