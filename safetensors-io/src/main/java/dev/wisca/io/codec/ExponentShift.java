package dev.wisca.io.codec;

/**
 * Multiplying a bf16, f16 or f32 value by 2^k is adding k to its exponent field, bit for bit the
 * correctly rounded product, when the value is ±0 (it stays itself) or a normal number whose result
 * stays normal; for anything else (subnormal, Inf/NaN, a result that would underflow or overflow) the
 * add is wrong and {@link #shift} reports it. Used by the out-of-place rescale (which recomputes the
 * reported elements exactly) and by the in-place rewrite and its crash recovery (which rely on the
 * report to undo a tensor by the negated exponents alone).
 *
 * <p>Plain integer loops over arrays, no Vector API: C2 auto-vectorizes them, and C1 runs them at a
 * useful speed before that (Vector API code runs boxed until C2 compiles it, which dominated a one-shot
 * {@code wisca rescale}).
 *
 * @param mantissaBits where the exponent field starts: 7 (bf16, and the high half of an f32), 10 (f16), 23 (f32)
 * @param maxNormal    the largest biased exponent of a normal number: 254 (bf16, f32) or 30 (f16)
 */
public record ExponentShift(int mantissaBits, int maxNormal) {
    public static final ExponentShift BF16 = new ExponentShift(7, 254);
    public static final ExponentShift F16 = new ExponentShift(10, 30);
    public static final ExponentShift F32 = new ExponentShift(23, 254);

    /** Not a usable power of two. */
    public static final int NONE = Integer.MIN_VALUE;
    /**
     * |k| bound for a factor: an out-of-place fallback's (r · w) · c is then exact in double for every
     * float-range w, and row + column exponents cannot overflow an int.
     */
    private static final int MAX_FACTOR_EXPONENT = 512;

    /** k when {@code f} is exactly 2^k with |k| ≤ 512, else {@link #NONE}. */
    public static int exponentOf(double f) {
        long bits = Double.doubleToRawLongBits(f);
        int biased = (int) (bits >>> 52);   // sign bit included: negative factors are not taken
        if ((bits & 0x000F_FFFF_FFFF_FFFFL) != 0 || biased == 0 || biased == 0x7FF) return NONE;
        int k = biased - 1023;
        return Math.abs(k) <= MAX_FACTOR_EXPONENT ? k : NONE;
    }

    /** The lowest exponent field that scales exactly by 2^k: normal before and after. */
    public int lowest(int k) { return Math.max(1, 1 - k); }

    /** The highest exponent field that scales exactly by 2^k (below {@link #lowest} when none does). */
    public int highest(int k) { return Math.min(maxNormal, maxNormal - k); }

    /** The exponent field's bits, shifted down: 0xFF (bf16, f32) or 0x1F (f16). */
    public int exponentMask() { return maxNormal + 1; }

    /** What adding k to the exponent adds to the bits. */
    public int add(int k) { return k << mantissaBits; }

    /** Whether {@code bits} (a 16-bit float, or an f32) scales exactly by 2^k: ±0 or in [lowest, highest]. */
    public boolean exact(int bits, int k) {
        if ((bits & signMask() - 1) == 0) return true;
        int e = (bits >>> mantissaBits) & exponentMask();
        return e >= lowest(k) && e <= highest(k);
    }

    private int signMask() { return mantissaBits == 23 ? 0x8000_0000 : 0x8000; }

    /**
     * Adds {@code add[at + t]} to {@code values[from + t]} for t in [0, run) except where the value is
     * ±0; negative when an element's exponent field falls outside {@code [lowest[at + t], highest[at + t]]}
     * (from {@link #lowest}, {@link #highest}, {@link #add} of each element's k), whose result is then wrong.
     */
    public int shift(short[] values, int from, int run, short[] lowest, short[] highest, short[] add, int at) {
        // Constant layouts per call site, so the compiler vectorizes each loop (a variable shift count it does not).
        return mantissaBits == 7 ? shift(values, from, run, lowest, highest, add, at, 7, 0xFF)
            : shift(values, from, run, lowest, highest, add, at, 10, 0x1F);
    }

    private static int shift(short[] values, int from, int run, short[] lowest, short[] highest, short[] add, int at,
                             int m, int field) {
        int bad = 0;
        for (int t = 0; t < run; t++) {     // no branches but selects: straight-line code C2 vectorizes
            short bits = values[from + t];
            int exp = (bits >> m) & field;
            int nonZero = (bits & 0x7FFF) != 0 ? -1 : 0;
            bad |= ((exp - lowest[at + t]) | (highest[at + t] - exp)) & nonZero;
            values[from + t] = (short) (bits + (add[at + t] & nonZero));
        }
        return bad;
    }

    /** {@link #shift} for f32 words by one k for all: negative when an element is not exact. */
    public static int shiftF32(int[] values, int from, int run, int k) {
        int lo = F32.lowest(k);
        int hi = F32.highest(k);
        int add = F32.add(k);
        int bad = 0;
        for (int t = 0; t < run; t++) {
            int bits = values[from + t];
            int exp = (bits >>> 23) & 0xFF;
            int nonZero = (bits & 0x7FFF_FFFF) != 0 ? -1 : 0;
            bad |= ((exp - lo) | (hi - exp)) & nonZero;
            values[from + t] = bits + (add & nonZero);
        }
        return bad;
    }
}
