package dev.wisca.rescale.spec;

import dev.wisca.rescale.graph.Axis;

/**
 * A site member reference as written in a spec: {@code role.rows}, {@code role.cols} or
 * {@code role} (a 1-D tensor's elements); a trailing {@code ?} makes it optional. Axes are
 * logical (out, in); the binding maps them to storage axes.
 */
public record MemberRef(String role, Axis axis, boolean optional) {
    public static MemberRef parse(String ref) {
        String s = ref.trim();
        boolean optional = s.endsWith("?");
        if (optional) s = s.substring(0, s.length() - 1);
        if (s.endsWith(".rows")) return new MemberRef(s.substring(0, s.length() - 5), Axis.ROWS, optional);
        if (s.endsWith(".cols")) return new MemberRef(s.substring(0, s.length() - 5), Axis.COLS, optional);
        if (s.isEmpty() || s.contains(".")) throw new IllegalArgumentException("bad member reference '" + ref + "' (role.rows, role.cols or role)");
        return new MemberRef(s, null, optional);
    }
}
