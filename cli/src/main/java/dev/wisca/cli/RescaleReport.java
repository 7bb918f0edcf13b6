package dev.wisca.cli;

import dev.wisca.io.hf.Outputs;
import dev.wisca.io.hf.Overwrite;
import dev.wisca.rescale.pattern.PatternReport;
import dev.wisca.rescale.verify.VerifyOptions;
import dev.wisca.rescale.verify.VerifyReport;
import dev.wisca.sdk.RescalePlan;
import dev.wisca.sdk.Wisca;
import dev.wisca.sdk.report.HtmlReport;
import dev.wisca.sdk.report.Patterns;
import dev.wisca.sdk.report.StatsWriter;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/** What {@code rescale --report DIR} and {@code demo} leave next to the output: plan, stats before/after, report.html. */
final class RescaleReport {
    private RescaleReport() {}

    /** Writes the report folder with a probe verification of {@code after} against {@code before}; returns the HTML file. */
    static Path write(Path before, Path after, RescalePlan plan, Path dir, Overwrite overwrite) {
        return write(before, after, plan, Wisca.verify(before, after, VerifyOptions.probes()), dir, overwrite);
    }

    /** Writes the report folder around a verification already done; returns the HTML file. */
    static Path write(Path before, Path after, RescalePlan plan, VerifyReport verify, Path dir, Overwrite overwrite) {
        int threads = Runtime.getRuntime().availableProcessors();
        PatternReport b = Patterns.of(before, Optional.empty(), threads);
        PatternReport a = Patterns.of(after, Optional.empty(), threads);
        Outputs.folder(dir, overwrite, List.of(before, after), staging -> {
            Wisca.savePlan(plan.plan(), staging.resolve("plan"));
            StatsWriter.write(b, staging.resolve("before.json"));
            StatsWriter.write(a, staging.resolve("after.json"));
            HtmlReport.write(b, a, plan, Optional.of(verify), staging.resolve("report.html"));
            return null;
        });
        return dir.resolve("report.html");
    }
}
