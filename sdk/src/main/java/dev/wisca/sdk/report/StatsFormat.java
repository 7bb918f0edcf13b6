package dev.wisca.sdk.report;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;

import java.nio.file.Path;
import java.util.Locale;

/** Output formats of {@link StatsWriter}, chosen from a file name's extension. */
public enum StatsFormat {
    /** One JSON document: the whole report. */
    JSON("json"),
    /** Tidy tables as RFC 4180 CSV with a header line. */
    CSV("csv"),
    /** Tidy tables as Arrow IPC files (Feather v2): {@code pd.read_feather}, {@code pl.read_ipc}, {@code pyarrow.feather.read_table}. */
    ARROW("arrow");

    private final String extension;

    StatsFormat(String extension) { this.extension = extension; }

    public String extension() { return extension; }

    /** {@code .json}, {@code .csv}, or {@code .arrow} / {@code .feather} / {@code .ipc}. */
    public static StatsFormat of(Path file) {
        String name = file.getFileName().toString().toLowerCase(Locale.ROOT);
        if (name.endsWith(".json")) return JSON;
        if (name.endsWith(".csv")) return CSV;
        if (name.endsWith(".arrow") || name.endsWith(".feather") || name.endsWith(".ipc")) return ARROW;
        throw new WiscaException(ErrorKind.INVALID_ARGUMENT, file, null,
            "unknown statistics format: name the file *.json, *.csv or *.arrow (also *.feather, *.ipc)");
    }
}
