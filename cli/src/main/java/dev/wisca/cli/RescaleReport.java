package dev.wisca.cli;

import dev.wisca.sdk.OutputFiles;
import dev.wisca.io.hf.Overwrite;
import dev.wisca.rescale.pattern.PatternReport;
import dev.wisca.rescale.spec.SpecChoice;
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
    static Path write(Path before, Path after, RescalePlan plan, SpecChoice spec, Path dir, Overwrite overwrite) {
        VerifyReport verify = Wisca.verify(before, after).probes().spec(spec).run();
        return write(before, after, plan, spec, verify, dir, overwrite);
    }

    /** Writes the report folder around a verification already done; returns the HTML file. */
    static Path write(Path before, Path after, RescalePlan plan, SpecChoice spec, VerifyReport verify, Path dir, Overwrite overwrite) {
        int threads = Runtime.getRuntime().availableProcessors();
        PatternReport b = Patterns.of(before, spec, threads);
        PatternReport a = Patterns.of(after, spec, threads);
        OutputFiles.folder(dir, overwrite, List.of(before, after), staging -> {
            plan.save(staging.resolve("plan"));
            StatsWriter.write(b, staging.resolve("before.json"));
            StatsWriter.write(a, staging.resolve("after.json"));
            HtmlReport.write(b, a, Optional.of(plan), Optional.of(verify), staging.resolve("report.html"));
            return null;
        });
        return dir.resolve("report.html");
    }
}
