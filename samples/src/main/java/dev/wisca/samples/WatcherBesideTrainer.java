package dev.wisca.samples;

import dev.wisca.hooks.watch.CheckpointWatcher;
import dev.wisca.hooks.watch.WatchOptions;
import dev.wisca.rescale.spec.SpecLibrary;
import dev.wisca.rescale.synth.TinyModelFiles;
import dev.wisca.rescale.synth.TinyModels;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The checkpoint watcher next to a (simulated) trainer: the trainer saves checkpoint-250, -500,
 * -750 like the Hugging Face Trainer (weights, then trainer_state.json last); the watcher rescales
 * each once it is complete and settled, in place, and logs what it did.
 */
public final class WatcherBesideTrainer {
    private WatcherBesideTrainer() {}

    public static void main(String[] args) throws Exception {
        Path output = args.length > 0 ? Path.of(args[0]) : Files.createTempDirectory("wisca-trainer");
        Files.createDirectories(output);
        CheckpointWatcher watcher = new CheckpointWatcher(output, WatchOptions.defaults().withPoll(Duration.ofMillis(200)));
        AtomicBoolean stop = new AtomicBoolean();
        Thread watching = Thread.ofPlatform().start(() -> {
            try {
                watcher.run(stop::get, o -> System.out.println("watch: " + o.checkpoint().getFileName() + " " + o.status() + " " + o.detail()));
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        });
        var llama = SpecLibrary.builtin().get("llama").orElseThrow();
        for (int step = 250; step <= 750; step += 250) {
            Thread.sleep(1000); // "training"
            Path checkpoint = output.resolve("checkpoint-" + step);
            TinyModelFiles.write(TinyModels.build(llama, "default", step), checkpoint);
            Files.writeString(checkpoint.resolve("trainer_state.json"), "{\"global_step\": " + step + "}");
            System.out.println("trainer: saved " + checkpoint.getFileName());
        }
        Thread.sleep(1500);
        stop.set(true);
        watching.join();
    }
}
