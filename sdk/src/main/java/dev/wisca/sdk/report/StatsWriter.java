package dev.wisca.sdk.report;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.AtomicMove;
import dev.wisca.io.WiscaException;
import dev.wisca.io.hf.AtomicFiles;
import dev.wisca.io.hf.Outputs;
import dev.wisca.io.hf.Overwrite;
import dev.wisca.io.hf.TempNames;
import dev.wisca.rescale.pattern.PatternReport;

import java.io.IOException;
import java.io.Writer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;

/**
 * Writes a {@link PatternReport} for scripts.
 * <ul>
 * <li>JSON: one document, the report record as is.</li>
 * <li>CSV and Arrow (Feather v2): the three tidy tables of {@link StatsTables}; the tensors table
 *     goes to the named file, the others beside it as {@code <stem>.heads.<ext>} and
 *     {@code <stem>.balance.<ext>}. In Python: {@code pd.read_feather("stats.arrow")},
 *     {@code pd.read_feather("stats.balance.arrow").query("scope == 'kv_group'")
 *     .pivot_table(index="layer", columns=["pair", "kv_head"], values="log2_ratio")};
 *     {@code pl.read_ipc(...)} and {@code pyarrow.feather.read_table(...)} read the same files.</li>
 * </ul>
 */
public final class StatsWriter {
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private StatsWriter() {}

    /**
     * As {@link #write(PatternReport, Path)} through {@link Outputs}: refused when any file it writes
     * overlaps {@code inputs}, or already exists without {@link Overwrite#REPLACE}.
     */
    public static List<Path> write(PatternReport report, Path file, Overwrite overwrite, Collection<Path> inputs) {
        for (Path target : files(file)) Outputs.check(target, overwrite, inputs);
        return Outputs.file(file, overwrite, inputs, target -> write(report, target));
    }

    /** Every file {@link #write(PatternReport, Path)} writes for {@code file}. */
    public static List<Path> files(Path file) {
        if (StatsFormat.of(file) == StatsFormat.JSON) return List.of(file);
        return List.of(file, sibling(file, StatsTables.HEADS), sibling(file, StatsTables.BALANCE));
    }

    /** Writes in the format the file name says ({@link StatsFormat#of}); returns every file written. */
    public static List<Path> write(PatternReport report, Path file) {
        return write(report, file, StatsFormat.of(file));
    }

    public static List<Path> write(PatternReport report, Path file, StatsFormat format) {
        try {
            Path parent = file.toAbsolutePath().getParent();
            if (parent != null) Files.createDirectories(parent);
            if (format == StatsFormat.JSON) {
                AtomicFiles.write(file, JSON.writeValueAsBytes(report));
                return List.of(file);
            }
            List<Path> written = new ArrayList<>();
            for (Table table : StatsTables.of(report)) {
                Path target = table.name().equals(StatsTables.TENSORS) ? file : sibling(file, table.name());
                writeTable(table, target, format);
                written.add(target);
            }
            return written;
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, file, null, "cannot write statistics: " + e.getMessage());
        }
    }

    /** {@code dir/stats.arrow} + {@code heads} → {@code dir/stats.heads.arrow}. */
    public static Path sibling(Path file, String table) {
        String name = file.getFileName().toString();
        int dot = name.lastIndexOf('.');
        String stem = dot > 0 ? name.substring(0, dot) : name;
        String ext = dot > 0 ? name.substring(dot) : "";
        return file.resolveSibling(stem + "." + table + ext);
    }

    /** Through a temp file renamed over the target, so a reader never sees half a table. */
    static void writeTable(Table table, Path target, StatsFormat format) throws IOException {
        Path temp = TempNames.beside(target);
        try {
            if (format == StatsFormat.CSV) {
                try (Writer out = Files.newBufferedWriter(temp, StandardCharsets.UTF_8, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    CsvTableWriter.write(table, out);
                }
            } else {
                // Arrow's file writer closes the channel it is given, so the fsync reopens the file.
                try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
                    ArrowTableWriter.write(table, ch);
                }
                try (FileChannel ch = FileChannel.open(temp, StandardOpenOption.WRITE)) {
                    ch.force(true);
                }
            }
            AtomicMove.replace(temp, target.toAbsolutePath());
        } finally {
            Files.deleteIfExists(temp);
        }
    }
}
