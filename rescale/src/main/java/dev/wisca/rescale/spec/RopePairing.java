package dev.wisca.rescale.spec;

/** Which two dims of a head one rotary frequency rotates together. */
public enum RopePairing {
    /** Hugging Face rotate_half: d with d + rot/2. */
    ROTATE_HALF,
    /** Original Llama / GPT-J: 2i with 2i + 1. */
    INTERLEAVED;

    /** The first of the two dims (of a head with rot rotary dims) that frequency i rotates. */
    public int first(int i, int rot) { return this == ROTATE_HALF ? i : 2 * i; }

    /** The second of the two dims that frequency i rotates: it turns towards the first. */
    public int second(int i, int rot) { return this == ROTATE_HALF ? i + rot / 2 : 2 * i + 1; }

    /** The tied-channel index of dim d within a head of hd dims with rot rotary dims; hd - rot/2 channels. */
    public int channelOf(int d, int rot) {
        if (d >= rot) return d - rot / 2;
        return this == ROTATE_HALF ? d % (rot / 2) : d / 2;
    }

    static RopePairing parse(String s) {
        return switch (s) {
            case "rotate_half" -> ROTATE_HALF;
            case "interleaved" -> INTERLEAVED;
            default -> throw new IllegalArgumentException("rope pairing '" + s + "' (expected rotate_half, interleaved)");
        };
    }
}
