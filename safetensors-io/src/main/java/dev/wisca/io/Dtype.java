package dev.wisca.io;

import java.util.Optional;
import java.util.Locale;

/**
 * Every element type of the safetensors format. Declaration order is the reference enum order:
 * the writer sorts tensors by it, descending, so that every power-of-two dtype lands aligned.
 */
public enum Dtype {
    BOOL(8, Kind.BOOL, 0),
    F4(4, Kind.FLOAT, 1),
    F6_E2M3(6, Kind.FLOAT, 3),
    F6_E3M2(6, Kind.FLOAT, 2),
    U8(8, Kind.UNSIGNED, 0),
    I8(8, Kind.SIGNED, 0),
    F8_E5M2(8, Kind.FLOAT, 2),
    F8_E4M3(8, Kind.FLOAT, 3),
    F8_E8M0(8, Kind.FLOAT, 0),
    F8_E4M3FNUZ(8, Kind.FLOAT, 3),
    F8_E5M2FNUZ(8, Kind.FLOAT, 2),
    I16(16, Kind.SIGNED, 0),
    U16(16, Kind.UNSIGNED, 0),
    F16(16, Kind.FLOAT, 10),
    BF16(16, Kind.FLOAT, 7),
    I32(32, Kind.SIGNED, 0),
    U32(32, Kind.UNSIGNED, 0),
    F32(32, Kind.FLOAT, 23),
    C64(64, Kind.COMPLEX, 23),
    F64(64, Kind.FLOAT, 52),
    I64(64, Kind.SIGNED, 0),
    U64(64, Kind.UNSIGNED, 0);

    /** What an element holds. */
    public enum Kind { BOOL, SIGNED, UNSIGNED, FLOAT, COMPLEX }

    private final int bits;
    private final Kind kind;
    private final int mantissaBits;

    Dtype(int bits, Kind kind, int mantissaBits) {
        this.bits = bits;
        this.kind = kind;
        this.mantissaBits = mantissaBits;
    }

    /** Bits of one logical element (4 for F4, 6 for F6_*). */
    public int bits() { return bits; }

    public Kind kind() { return kind; }

    public boolean isFloat() { return kind == Kind.FLOAT; }

    /** Explicit mantissa (fraction) bits of a float dtype; rounding to it changes a value by at most 2^-(m+1) relative. */
    public int mantissaBits() { return mantissaBits; }

    /** Whole bytes per element, or 0 for sub-byte types. */
    public int byteSize() { return bits % 8 == 0 ? bits / 8 : 0; }

    /** The name as written in a safetensors header. */
    public String headerName() { return name(); }

    /** Parses a header dtype string; case-sensitive, as in the reference. */
    public static Optional<Dtype> fromHeaderName(String s) {
        for (Dtype d : values()) {
            if (d.name().equals(s)) return Optional.of(d);
        }
        return Optional.empty();
    }

    /** Parses a user-facing name such as {@code bf16}, {@code f32}, {@code F8_E4M3}. */
    public static Dtype parseUser(String s) {
        String up = s.trim().toUpperCase(Locale.ROOT);
        return switch (up) {
            case "FLOAT32", "FP32" -> F32;
            case "FLOAT16", "FP16", "HALF" -> F16;
            case "BFLOAT16" -> BF16;
            case "FLOAT64", "FP64", "DOUBLE" -> F64;
            default -> fromHeaderName(up).orElseThrow(() ->
                WiscaException.invalidArgument("unknown dtype '" + s + "' (expected one of f32, f16, bf16, f64, f8_e4m3, f8_e5m2, ...)"));
        };
    }
}
