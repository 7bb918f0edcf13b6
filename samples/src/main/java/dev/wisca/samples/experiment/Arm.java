package dev.wisca.samples.experiment;

import dev.wisca.rescale.RescaleSettings;
import dev.wisca.hooks.Schedule;

/**
 * One arm of the experiment: a name and, unless it is a baseline, the hook options and schedule.
 *
 * @param lora whether the arm fine-tunes the pretrained model with LoRA adapters (on another text)
 */
public record Arm(String name, RescaleSettings options, Schedule schedule, boolean lora) {
    public boolean rescales() { return options != null; }
}
