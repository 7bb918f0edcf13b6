package dev.wisca.rescale.spec;

import java.util.function.ToDoubleFunction;

/**
 * A spec expression over dims and config keys: numbers, names (dotted config paths allowed),
 * {@code + - * / %}, comparisons, {@code ! && ||}, {@code c ? a : b}, {@code x in list_key} and parentheses. Booleans are
 * 1 and 0. Only the taken branch of {@code ?:}, {@code &&}, {@code ||} is evaluated, so a branch may
 * name a config key that only some configs have. A config key holding a list of numbers is read by
 * element ({@code no_rope_layers[layer]}, which must exist) or by membership ({@code layer in moe_layers}, an
 * absent list holding nothing); the name
 * resolver must then also be a {@link Lists}.
 */
public sealed interface Expr {
    /** A name resolver that also knows list-valued names (config.json arrays of numbers or booleans). */
    interface Lists {
        /** The numbers of list {@code name}; throws like an unknown name when there is none. */
        double[] list(String name);

        /**
         * The numbers of list {@code name}, or none when config.json lacks it: what {@code x in name} reads, since
         * transformers' configs default such lists to empty (Qwen MoE's {@code mlp_only_layers}).
         */
        default double[] listOrEmpty(String name) { return list(name); }
    }
    /** Evaluates with {@code names} giving the value of every name (it throws for an unknown one). */
    double eval(ToDoubleFunction<String> names);

    record Num(double value) implements Expr {
        public double eval(ToDoubleFunction<String> names) { return value; }
    }

    record Name(String name) implements Expr {
        public double eval(ToDoubleFunction<String> names) { return names.applyAsDouble(name); }
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

    /** 1 when {@code value} is an entry of list {@code list} (an absent list holds nothing), else 0. */
    record In(Expr value, String list) implements Expr {
        public double eval(ToDoubleFunction<String> names) {
            double v = value.eval(names);
            if (!(names instanceof Lists l)) throw new ArithmeticException("'" + list + "' is used as a list where no lists are known");
            for (double entry : l.listOrEmpty(list)) if (entry == v) return 1;
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
