package dev.wisca.io.hf;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Byte counts as users write them for {@code --max-shard-size}: {@code 5GB} is 5·10⁹ bytes (decimal
 * units, as transformers), {@code 2GiB} is 2·2³⁰ (binary units); a bare number is bytes; a fraction
 * such as {@code 1.5GB} is allowed and rounded down to whole bytes. Units are case-insensitive.
 */
public final class ByteSize {
    /** transformers 4.x's default {@code max_shard_size}. */
    public static final long DEFAULT_MAX_SHARD_SIZE = 5_000_000_000L;

    private static final Pattern SYNTAX = Pattern.compile("\\s*(\\d+(?:\\.\\d*)?|\\.\\d+)\\s*([A-Za-z]*)\\s*");
    private static final Map<String, Long> UNITS = Map.of(
        "", 1L, "B", 1L,
        "KB", 1_000L, "MB", 1_000_000L, "GB", 1_000_000_000L, "TB", 1_000_000_000_000L,
        "KIB", 1L << 10, "MIB", 1L << 20, "GIB", 1L << 30, "TIB", 1L << 40);

    private ByteSize() {}

    /** Parses {@code text}; throws {@link WiscaException} ({@link ErrorKind#INVALID_ARGUMENT}) for anything else. */
    public static long parse(String text) {
        Matcher m = SYNTAX.matcher(text);
        Long unit = m.matches() ? UNITS.get(m.group(2).toUpperCase(Locale.ROOT)) : null;
        if (unit == null) throw invalid(text, "expected a number and a unit such as 5GB, 500MB, 2GiB or 1.5GB");
        BigDecimal bytes = new BigDecimal(m.group(1)).multiply(BigDecimal.valueOf(unit)).setScale(0, RoundingMode.FLOOR);
        if (bytes.signum() <= 0) throw invalid(text, "the size must be at least one byte");
        if (bytes.compareTo(BigDecimal.valueOf(Long.MAX_VALUE)) > 0) throw invalid(text, "the size does not fit in 64 bits");
        return bytes.longValueExact();
    }

    private static WiscaException invalid(String text, String why) {
        return WiscaException.of(ErrorKind.INVALID_ARGUMENT, null, "invalid byte size '" + text + "': " + why);
    }
}
