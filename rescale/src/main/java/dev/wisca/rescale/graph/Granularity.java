package dev.wisca.rescale.graph;

import dev.wisca.io.WiscaException;
import java.util.Locale;

/**
 * How finely head-structured and MLP sites are split into channels. NORM and LORA sites are always
 * per channel (their natural unit); KV_GROUP on a site without head groups (up/down, QK-norm gains)
 * means per channel.
 */
public enum Granularity {
    /** One scale per site (the paper's tensor-wise setting). */
    TENSOR,
    /** One scale per KV head, shared by the query heads of its group. */
    KV_GROUP,
    /** One scale per head dim (tied across RoPE pairs) per KV group, or per intermediate channel. */
    CHANNEL;

    public String cliName() { return name().toLowerCase(Locale.ROOT).replace('_', '-'); }

    public static Granularity parse(String s) {
        if (s == null) throw WiscaException.invalidArgument("no granularity given (null)");
        for (Granularity g : values()) if (g.cliName().equals(s.trim().toLowerCase(Locale.ROOT))) return g;
        throw WiscaException.invalidArgument("unknown granularity '" + s + "' (expected tensor, kv-group, channel)");
    }
}
