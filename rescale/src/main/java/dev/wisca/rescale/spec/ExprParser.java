package dev.wisca.rescale.spec;

import java.util.List;

/** Recursive-descent parser for {@link Expr}; one instance per text. */
final class ExprParser {
    private static final List<List<String>> LEVELS = List.of(
        List.of("||"), List.of("&&"), List.of("==", "!=", "<=", ">=", "<", ">"), List.of("+", "-"), List.of("*", "/", "%"));

    private static final int COMPARISON = 2;

    private final String text;
    private int pos;

    ExprParser(String text) { this.text = text; }

    Expr parseAll() {
        Expr e = ternary();
        skipSpace();
        if (pos != text.length()) throw error("unexpected '" + text.charAt(pos) + "'");
        return e;
    }

    private Expr ternary() {
        Expr test = binary(0);
        if (!accept("?")) return test;
        Expr then = ternary();
        if (!accept(":")) throw error("expected ':'");
        return new Expr.Cond(test, then, ternary());
    }

    private Expr binary(int level) {
        if (level == LEVELS.size()) return unary();
        Expr left = binary(level + 1);
        while (true) {
            // membership binds like a comparison: layer in moe_layers
            if (level == COMPARISON && acceptWord("in")) {
                left = new Expr.In(left, name("a list name after 'in'"));
                continue;
            }
            String op = acceptAny(LEVELS.get(level));
            if (op == null) return left;
            left = new Expr.Binary(op, left, binary(level + 1));
        }
    }

    private Expr unary() {
        if (accept("!")) return new Expr.Not(unary());
        if (accept("-")) return new Expr.Neg(unary());
        return primary();
    }

    private Expr primary() {
        skipSpace();
        if (accept("(")) {
            Expr e = ternary();
            if (!accept(")")) throw error("expected ')'");
            return e;
        }
        if (pos >= text.length()) throw error("expression ends early");
        char c = text.charAt(pos);
        int start = pos;
        if (Character.isDigit(c) || c == '.') {
            while (pos < text.length() && (Character.isDigit(text.charAt(pos)) || text.charAt(pos) == '.')) pos++;
            try {
                return new Expr.Num(Double.parseDouble(text.substring(start, pos)));
            } catch (NumberFormatException e) {
                throw error("bad number '" + text.substring(start, pos) + "'");
            }
        }
        if (Character.isLetter(c) || c == '_') {
            while (pos < text.length() && isNameChar(text.charAt(pos))) pos++;
            String name = text.substring(start, pos);
            if (name.equals("true")) return new Expr.Num(1);
            if (name.equals("false")) return new Expr.Num(0);
            if (accept("[")) {
                Expr index = ternary();
                if (!accept("]")) throw error("expected ']'");
                return new Expr.Index(name, index);
            }
            return new Expr.Name(name);
        }
        throw error("unexpected '" + c + "'");
    }

    /** A name (for the list of {@code in}). */
    private String name(String what) {
        skipSpace();
        int start = pos;
        if (pos < text.length() && (Character.isLetter(text.charAt(pos)) || text.charAt(pos) == '_')) {
            while (pos < text.length() && isNameChar(text.charAt(pos))) pos++;
        }
        if (start == pos) throw error("expected " + what);
        return text.substring(start, pos);
    }

    /** A keyword: {@code word} not followed by a name character. */
    private boolean acceptWord(String word) {
        skipSpace();
        int end = pos + word.length();
        if (!text.startsWith(word, pos) || end < text.length() && isNameChar(text.charAt(end))) return false;
        pos = end;
        return true;
    }

    private static boolean isNameChar(char c) { return Character.isLetterOrDigit(c) || c == '_' || c == '.'; }

    private String acceptAny(List<String> ops) {
        for (String op : ops) {
            if (accept(op)) return op;
        }
        return null;
    }

    private boolean accept(String token) {
        skipSpace();
        if (!text.startsWith(token, pos)) return false;
        pos += token.length();
        return true;
    }

    private void skipSpace() {
        while (pos < text.length() && Character.isWhitespace(text.charAt(pos))) pos++;
    }

    private IllegalArgumentException error(String what) {
        return new IllegalArgumentException(what + " at position " + pos + " in '" + text + "'");
    }
}
