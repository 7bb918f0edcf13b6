package dev.wisca.rescale.spec;

import java.util.function.ToDoubleFunction;

/**
 * A spec expression over dims and config keys: numbers, names (dotted config paths allowed),
 * {@code + - * / %}, comparisons, {@code ! && ||}, {@code c ? a : b} and parentheses. Booleans are
 * 1 and 0. Only the taken branch of {@code ?:}, {@code &&}, {@code ||} is evaluated, so a branch may
 * name a config key that only some configs have.
 */
public sealed interface Expr {
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
