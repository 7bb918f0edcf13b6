package dev.wisca.hooks.watch;

import dev.wisca.sdk.OutputFiles;
import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;
import dev.wisca.sdk.Model;
import dev.wisca.sdk.OptimizerState;
import dev.wisca.sdk.RescalePlan;
import dev.wisca.sdk.Wisca;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Rescales one complete checkpoint folder, crash-safely. In place (the default): {@code Model.applyInPlace}
 * rewrites only the planned tensors' bytes under its own journal, then the marker is written. In place
 * with optimizer state: every weight shard (and optimizer
 * state file) is written rescaled into a staging folder under a STAGING journal; the journal turns
 * SWAPPING; the staged files are renamed over the originals; the marker is written and the journal
 * removed. Out of place: the rescaled checkpoint is written to a hidden sibling, renamed into place
 * whole, then the source is marked.
 */
final class CheckpointRescaler {
    /** Test seam: called at named points so a test can stop the watcher there, as a kill would. */
    interface Faults {
        Faults NONE = point -> {};

        void at(String point);
    }

    private final WatchOptions options;
    private final Faults faults;

    CheckpointRescaler(WatchOptions options, Faults faults) {
        this.options = options;
        this.faults = faults;
    }

    /** Finishes an interrupted swap: every file still staged is complete and is moved over its original. */
    String resume(Path folder, Journal.Entry journal) {
        swap(folder, journal.files());
        Path plan = folder.resolve(Journal.PLAN);   // saved before the journal turned SWAPPING
        finish(folder, new Journal.Marker(journal.planHash(), -1, folder.toString(), Files.isDirectory(plan) ? plan.toString() : ""));
        return "finished the interrupted rescale, plan " + journal.planHash();
    }

    String rescale(Path folder) {
        discardStaging(folder);
        if (options.outOfPlaceSuffix().isPresent()) return outOfPlace(folder, options.outOfPlaceSuffix().get());
        return options.optimizerState() ? inPlace(folder) : inPlaceBytes(folder);
    }

    /** The default: only the changed tensors' bytes rewritten, under the sdk's journal (a kill is rolled back on the next open). */
    private String inPlaceBytes(Path folder) {
        RescalePlan plan;
        Path saved;
        try (Model model = Wisca.open(folder, options.spec())) {
            plan = model.plan(options.settings());
            saved = model.keepPlan(plan, Journal.PLAN);   // kept first: an interrupted rewrite can still be undone
            faults.at("journal");   // the same mid-rescale point as the staged path's
            model.applyInPlace(plan);
        }
        faults.at("rewritten");
        Journal.mark(folder, new Journal.Marker(plan.hash(), plan.reports().size(), folder.toString(), saved.toString()));
        return "rescaled in place (changed tensors only), plan " + plan.hash() + ", " + plan.reports().size() + " sites";
    }

    private String inPlace(Path folder) {
        Path staging = SafeName.realFolder(folder, Journal.STAGING);
        Journal.write(folder, new Journal.Entry(Journal.Phase.STAGING, null, List.of()));
        faults.at("journal");
        RescalePlan plan;
        Path saved;
        List<String> files = new ArrayList<>();
        try (Model model = Wisca.open(folder, options.spec())) {
            plan = model.plan(options.settings());
            OptimizerState state = OptimizerState.in(folder);
            if (options.optimizerState()) state.check(plan, model);   // refused before anything is staged
            createFolder(staging);
            model.applyShards(plan, name -> SafeName.child(staging, name, "the index"), name -> {
                files.add(name);
                faults.at("staged:" + name);
            });
            if (options.optimizerState()) {
                state.transform(plan, model, staging);
                state.files().forEach(f -> files.add(f.getFileName().toString()));
            }
            OutputFiles.syncFolder(staging);
            saved = model.keepPlan(plan, Journal.PLAN);
        }
        Journal.write(folder, new Journal.Entry(Journal.Phase.SWAPPING, plan.hash(), files));
        faults.at("swapping");
        swap(folder, files);
        finish(folder, new Journal.Marker(plan.hash(), plan.reports().size(), folder.toString(), saved.toString()));
        return "rescaled in place, plan " + plan.hash() + " (saved in " + Journal.PLAN + " for wisca undo), " + plan.reports().size() + " sites";
    }

    private String outOfPlace(Path folder, String suffix) {
        Path target = SafeName.child(folder.getParent(), folder.getFileName() + suffix, "--out-of-place");
        Path temp = SafeName.child(folder.getParent(), "." + folder.getFileName() + suffix + ".tmp", "--out-of-place");
        deleteTree(temp);
        RescalePlan plan;
        if (!Files.exists(target)) {
            try (Model model = Wisca.open(folder, options.spec())) {
                plan = model.plan(options.settings());
                OptimizerState state = OptimizerState.in(folder);
                if (options.optimizerState()) state.check(plan, model);
                model.apply(plan, temp);
                if (options.optimizerState()) {
                    state.transform(plan, model, temp);
                } else {
                    for (Path file : state.files()) copy(file, temp.resolve(file.getFileName()));
                }
            }
            plan.save(temp.resolve(Journal.PLAN));
            faults.at("written");
            try {
                OutputFiles.replace(temp, target);
            } catch (IOException e) {
                throw new WiscaException(ErrorKind.IO, target, null, "cannot rename the rescaled checkpoint into place: " + e, e);
            }
            OutputFiles.syncFolder(folder.getParent());
            Journal.mark(folder, new Journal.Marker(plan.hash(), plan.reports().size(), target.toString(), target.resolve(Journal.PLAN).toString()));
            return "rescaled into " + target.getFileName() + ", plan " + plan.hash();
        }
        Journal.mark(folder, new Journal.Marker("", -1, target.toString(), ""));
        return target.getFileName() + " already existed: marked";
    }

    /** Moves each staged file over its original; every name was checked ({@link JournalCheck}) and each staged file must be a plain file. */
    private void swap(Path folder, List<String> files) {
        Path staging = SafeName.realFolder(folder, Journal.STAGING);
        for (String name : files) {
            Path staged = SafeName.child(staging, name, Journal.JOURNAL);
            Path original = SafeName.child(folder, name, Journal.JOURNAL);
            if (!Files.exists(staged, LinkOption.NOFOLLOW_LINKS)) continue; // moved before the interruption
            if (!Files.isRegularFile(staged, LinkOption.NOFOLLOW_LINKS)) {
                throw WiscaException.of(ErrorKind.INVALID_ARGUMENT, staged, "is not a plain staged file (a symbolic link?): refused, nothing moved");
            }
            try {
                OutputFiles.replace(staged, original);
            } catch (IOException e) {
                throw new WiscaException(ErrorKind.IO, folder.resolve(name), null, "cannot replace with the rescaled file: " + e, e);
            }
            faults.at("swapped:" + name);
        }
        OutputFiles.syncFolder(folder);
    }

    private static void finish(Path folder, Journal.Marker marker) {
        Journal.mark(folder, marker);
        Journal.clear(folder);
        deleteTree(SafeName.realFolder(folder, Journal.STAGING));
    }

    /** A staging journal means the originals are intact: the partial staging is thrown away. */
    static void discardStaging(Path folder) {
        deleteTree(SafeName.realFolder(folder, Journal.STAGING));
        Journal.clear(folder);
    }

    private static void createFolder(Path folder) {
        try {
            Files.createDirectories(folder);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, folder, null, "cannot create: " + e, e);
        }
    }

    private static void copy(Path from, Path to) {
        try {
            Files.copy(from, to, StandardCopyOption.REPLACE_EXISTING);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, to, null, "cannot copy " + from + ": " + e, e);
        }
    }

    static void deleteTree(Path root) {
        if (!Files.exists(root, LinkOption.NOFOLLOW_LINKS)) return;
        try (Stream<Path> all = Files.walk(root)) { // links are removed, never followed
            for (Path p : all.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new WiscaException(ErrorKind.IO, root, null, "cannot remove: " + e, e);
        }
    }
}
