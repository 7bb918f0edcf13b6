package dev.wisca.hooks;

import dev.wisca.io.WiscaException;
import java.util.Set;
import java.util.TreeSet;

/**
 * When a hook rescales: every {@code every} steps (step multiples, not step 0), at the listed steps,
 * and/or once at initialisation (step 0). The paper rescales every 250 steps; "once at init" keeps
 * part of the gain.
 */
public record Schedule(long every, Set<Long> at, boolean initially) {
    public Schedule {
        if (every < 0) throw WiscaException.invalidArgument("every must be >= 0 (0 = never), got " + every);
        for (long s : at) if (s < 0) throw WiscaException.invalidArgument("steps must be >= 0, got " + s);
        at = Set.copyOf(new TreeSet<>(at));
    }

    public static Schedule every(long steps) {
        if (steps < 1) throw WiscaException.invalidArgument("every must be >= 1, got " + steps);
        return new Schedule(steps, Set.of(), false);
    }

    public static Schedule at(long... steps) {
        Set<Long> s = new TreeSet<>();
        for (long v : steps) s.add(v);
        return new Schedule(0, s, false);
    }

    public static Schedule atInit() { return new Schedule(0, Set.of(), true); }

    /** This schedule plus a rescale at step 0. */
    public Schedule andAtInit() { return new Schedule(every, at, true); }

    /** Whether the hook runs at {@code step} (steps count from 0). */
    public boolean due(long step) {
        if (step == 0 && initially) return true;
        if (every > 0 && step > 0 && step % every == 0) return true;
        return at.contains(step);
    }
}
