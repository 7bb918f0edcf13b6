package dev.wisca.rescale.spec;

import java.util.function.ToDoubleFunction;

/**
 * A spec expression over dims and config keys: numbers, names (dotted config paths allowed),
 * {@code + - * / %}, comparisons, {@code ! && ||}, {@code c ? a : b}, {@code x in list_key} and parentheses. Booleans are
 * 1 and 0. Only the taken branch of {@code ?:}, {@code &&}, {@code ||} is evaluated, so a branch may
 * name a config key that only some configs have. A config key holding a list of numbers is read by
 * element ({@code no_rope_layers[layer]}) or by membership ({@code layer in moe_layers}); the name
 * resolver must then also be a {@link Lists}.
 */
public sealed interface Expr {
    /** A name resolver that also knows list-valued names (config.json arrays of numbers or booleans). */
    interface Lists {
        /** The numbers of list {@code name}; throws like an unknown name when there is none. */
        double[] list(String name);
    }
    /** Evaluates with {@code names} giving the value of every name (it throws for an unknown one). */
    double eval(ToDoubleFunction<String> names);

    record Num(double value) implements Expr {
        public double eval(ToDoubleFunction<String> names) { return value; }
    }

    record Name(String name) implements Expr {
        public double eval(ToDoubleFunction<String> names) { return names.applyAsDouble(name); }
    }

    /**
     * {@code element in key}: 1 when config.json's list {@code key} holds the element's value (an absent key is the
     * empty list). The list is read through {@code names} under {@link #memberName}, which the evaluator answers.
     */
    record In(Expr element, String key) implements Expr {
        public double eval(ToDoubleFunction<String> names) { return names.applyAsDouble(memberName(key, element.eval(names))); }

        /** The name under which an evaluator is asked whether list {@code key} holds {@code value}. */
        public static String memberName(String key, double value) { return key + " holds " + value; }

        /** For a name made by {@link #memberName}: the list key and the value, else null. */
        public static String[] parseMemberName(String name) {
            int at = name.indexOf(" holds ");
            return at < 0 ? null : new String[] {name.substring(0, at), name.substring(at + " holds ".length())};
        }
    }

    record Not(Expr operand) implements Expr {
        public double eval(ToDoubleFunction<String> names) { return operand.eval(names) == 0 ? 1 : 0; }
    }

    record Neg(Expr operand) implements Expr {
        public double eval(ToDoubleFunction<String> names) { return -operand.eval(names); }
    }

    record Cond(Expr test, Expr then, Expr otherwise) implements Expr {
        public double eval(ToDoubleFunction<String> names) {
            return test.eval(names) != 0 ? then.eval(names) : otherwise.eval(names);
        }
    }

    /** Element {@code index} (a whole number from 0) of list {@code list}. */
    record Index(String list, Expr index) implements Expr {
        public double eval(ToDoubleFunction<String> names) {
            double[] values = lists(names, list);
            double i = index.eval(names);
            if (i != Math.rint(i) || i < 0 || i >= values.length) {
                throw new ArithmeticException("index " + i + " is outside '" + list + "' (" + values.length + " entries)");
            }
            return values[(int) i];
        }
    }

    /** 1 when {@code value} is an entry of list {@code list}, else 0. */
    record In(Expr value, String list) implements Expr {
        public double eval(ToDoubleFunction<String> names) {
            double v = value.eval(names);
            for (double entry : lists(names, list)) if (entry == v) return 1;
            return 0;
        }
    }

    private static double[] lists(ToDoubleFunction<String> names, String list) {
        if (names instanceof Lists l) return l.list(list);
        throw new ArithmeticException("'" + list + "' is used as a list where no lists are known");
    }

    record Binary(String op, Expr left, Expr right) implements Expr {
        public double eval(ToDoubleFunction<String> names) {
            double a = left.eval(names);
            switch (op) {
                case "&&": return a != 0 && right.eval(names) != 0 ? 1 : 0;
                case "||": return a != 0 || right.eval(names) != 0 ? 1 : 0;
                default: break;
            }
            double b = right.eval(names);
            return switch (op) {
                case "+" -> a + b;
                case "-" -> a - b;
                case "*" -> a * b;
                case "/" -> a / b;
                case "%" -> a % b;
                case "==" -> a == b ? 1 : 0;
                case "!=" -> a != b ? 1 : 0;
                case "<" -> a < b ? 1 : 0;
                case ">" -> a > b ? 1 : 0;
                case "<=" -> a <= b ? 1 : 0;
                case ">=" -> a >= b ? 1 : 0;
                default -> throw new IllegalStateException("operator " + op);
            };
        }
    }

    /** Parses {@code text}; throws {@link IllegalArgumentException} with the position of a syntax error. */
    static Expr parse(String text) {
        return new ExprParser(text).parseAll();
    }
}
