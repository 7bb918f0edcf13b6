package dev.wisca.samples.experiment;

import dev.wisca.rescale.RescaleSettings;
import dev.wisca.hooks.Schedule;
import dev.wisca.rescale.graph.Granularity;
import dev.wisca.rescale.graph.Pair;
import dev.wisca.rescale.graph.SiteOptions;
import java.util.EnumSet;
import java.util.List;

/** The experiment's arms. Pre-training arms share initialization, data order, optimizer and schedule. */
public final class Arms {
    private Arms() {}

    public static List<Arm> pretraining(int every) {
        RescaleSettings paper = RescaleSettings.paper();
        return List.of(
            new Arm("baseline", null, null, false),
            new Arm("wisca-every" + every, paper, Schedule.every(every), false),
            new Arm("wisca-init", paper, Schedule.atInit(), false),
            new Arm("wisca-kvgroup-every" + every, paper.withSites(new SiteOptions(EnumSet.of(Pair.QK, Pair.VO), Granularity.KV_GROUP)),
                Schedule.every(every), false),
            new Arm("wisca-updown-every" + every, paper.withSites(new SiteOptions(EnumSet.of(Pair.QK, Pair.VO, Pair.UPDOWN), Granularity.TENSOR)),
                Schedule.every(every), false));
    }

    /** LoRA fine-tuning without and with WISCA on the adapters (A rows × s, B columns ÷ s per rank). */
    public static List<Arm> lora(int every) {
        return List.of(
            new Arm("lora", null, null, true),
            new Arm("lora-wisca-every" + every, RescaleSettings.paper().withSites(new SiteOptions(EnumSet.of(Pair.LORA), Granularity.CHANNEL)), Schedule.every(every), true));
    }
}
