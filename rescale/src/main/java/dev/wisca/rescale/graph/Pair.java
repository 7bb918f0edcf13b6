package dev.wisca.rescale.graph;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import dev.wisca.io.WiscaException;
import java.util.Locale;

/** The kinds of scale site, named as on the command line ({@code --pairs qk,vo}). */
public enum Pair {
    QK, VO, UPDOWN, NORM, LORA, QKNORM;

    /** Its name in flags, plans and JSON (lower case). */
    @JsonValue
    public String cliName() { return name().toLowerCase(Locale.ROOT); }

    @JsonCreator
    public static Pair parse(String s) {
        if (s == null) throw WiscaException.invalidArgument("no pair given (null)");
        for (Pair p : values()) if (p.cliName().equals(s.trim().toLowerCase(Locale.ROOT))) return p;
        throw WiscaException.invalidArgument("unknown pair '" + s + "' (expected qk, vo, updown, norm, lora, qknorm)");
    }
}
