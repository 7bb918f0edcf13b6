package dev.wisca.sdk.inplace;

import dev.wisca.sdk.Model;
import dev.wisca.rescale.RescaleSettings;
import dev.wisca.sdk.RescalePlan;
import dev.wisca.sdk.Wisca;
import java.nio.file.Path;

/** The process a crash test kills: {@code apply|undo CKPT PLAN}, or {@code open CKPT} (recovery only). */
public final class InPlaceChild {
    public static void main(String[] args) {
        try (Model model = Wisca.open(Path.of(args[1]))) {
            if (args[0].equals("apply")) model.applyInPlace(RescalePlan.load(Path.of(args[2])));
            if (args[0].equals("undo")) model.undoInPlace(RescalePlan.load(Path.of(args[2])));
        }
        System.exit(0);
    }
}
