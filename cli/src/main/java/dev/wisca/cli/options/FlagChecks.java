package dev.wisca.cli.options;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;

import java.util.Locale;

/** Range checks of numeric flags: one line naming the flag and its range, instead of a failure deep inside. */
public final class FlagChecks {
    private FlagChecks() {}

    public static int inRange(String flag, int value, int min, int max) {
        if (value < min || value > max) throw outOfRange(flag, String.valueOf(value), min + " and " + max);
        return value;
    }

    /** A finite number in [min, max]; NaN and infinities are refused. */
    public static double inRange(String flag, double value, double min, double max) {
        if (!(value >= min && value <= max)) {
            throw outOfRange(flag, String.valueOf(value), String.format(Locale.ROOT, "%s and %s", strip(min), strip(max)));
        }
        return value;
    }

    private static String strip(double d) {
        return d == Math.rint(d) ? String.valueOf((long) d) : String.valueOf(d);
    }

    private static WiscaException outOfRange(String flag, String value, String range) {
        return WiscaException.of(ErrorKind.INVALID_ARGUMENT, null, flag + " must be between " + range + ", got " + value);
    }
}
