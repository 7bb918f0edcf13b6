package dev.wisca.rescale.solve;

import dev.wisca.io.Dtype;
import java.util.Collection;

/** Whether scales are rounded to powers of two, which makes them exact and exactly invertible in any float dtype. */
public enum Pow2Mode {
    /** On when any member of the site is stored narrower than f32 (bf16, f16, fp8), off for f32/f64. */
    AUTO,
    ON,
    OFF;

    public boolean resolve(Collection<Dtype> memberDtypes) {
        return switch (this) {
            case ON -> true;
            case OFF -> false;
            case AUTO -> memberDtypes.stream().anyMatch(d -> d.isFloat() && d.mantissaBits() < Dtype.F32.mantissaBits());
        };
    }
}
