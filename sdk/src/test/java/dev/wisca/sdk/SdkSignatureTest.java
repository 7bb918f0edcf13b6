package dev.wisca.sdk;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.Field;
import java.lang.reflect.GenericArrayType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.lang.reflect.TypeVariable;
import java.lang.reflect.WildcardType;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The SDK does not leak engine types: every public or protected signature (method, constructor, field, record
 * component, supertype, thrown type, type argument) of every public type of {@code dev.wisca.sdk} names only
 * {@code java.*}, {@code dev.wisca.sdk} and the types {@link ReExports#TYPES} lists; and no parameter is an
 * {@link Optional} (an absent argument is an overload). {@code dev.wisca.sdk.bench} and {@code .report} serve the
 * CLI's bench and report commands and are not the user's API.
 */
class SdkSignatureTest {
    static final String PACKAGE = "dev.wisca.sdk";

    @Test
    void publicSignaturesNameOnlyJavaSdkAndReExportedTypes() throws Exception {
        List<String> leaks = new ArrayList<>();
        List<Class<?>> types = publicTypes();
        assertTrue(types.contains(Wisca.class) && types.contains(LivePlan.Factors.class), "the scan found " + types);
        for (Class<?> c : types) leaks.addAll(leaks(c));
        assertEquals(List.of(), leaks, "sdk signatures that name engine types (wrap them in an sdk type, or re-export a"
            + " small value type in ReExports) or take an Optional");
    }

    /** The check itself can fail: an engine type in a signature, an Optional parameter. */
    @Test
    void aLeakIsFound() {
        assertEquals(List.of(
            "dev.wisca.sdk.SdkSignatureTest$Leaky.engine returns dev.wisca.rescale.plan.Plan",
            "dev.wisca.sdk.SdkSignatureTest$Leaky.maybe takes java.util.Optional",
            "dev.wisca.sdk.SdkSignatureTest$Leaky.nested returns dev.wisca.io.hf.Checkpoint"), leaks(Leaky.class).stream().sorted().toList());
    }

    public interface Leaky {
        dev.wisca.rescale.plan.Plan engine();

        void maybe(Optional<String> s);

        List<? extends dev.wisca.io.hf.Checkpoint> nested();

        RescalePlan fine(dev.wisca.rescale.RescaleSettings settings);
    }

    static List<String> leaks(Class<?> c) {
        List<String> out = new ArrayList<>();
        String name = c.getName();
        check(c.getGenericSuperclass(), name + " extends", out);
        for (Type t : c.getGenericInterfaces()) check(t, name + " implements", out);
        for (Field f : c.getDeclaredFields()) {
            if (visible(f.getModifiers()) && !f.isSynthetic()) check(f.getGenericType(), name + "." + f.getName() + " is", out);
        }
        for (Method m : c.getDeclaredMethods()) {
            if (!visible(m.getModifiers()) || m.isSynthetic() || m.isBridge()) continue;
            check(m.getGenericReturnType(), name + "." + m.getName() + " returns", out);
            parameters(m, name + "." + m.getName(), out);
        }
        for (Constructor<?> k : c.getDeclaredConstructors()) {
            if (visible(k.getModifiers()) && !k.isSynthetic()) parameters(k, name + ".<init>", out);
        }
        return out;
    }

    private static void parameters(Executable e, String where, List<String> out) {
        for (Type t : e.getGenericParameterTypes()) {
            if (raw(t) == Optional.class) out.add(where + " takes java.util.Optional");
            check(t, where + " takes", out);
        }
        for (Type t : e.getGenericExceptionTypes()) check(t, where + " throws", out);
        for (TypeVariable<?> v : e.getTypeParameters()) for (Type b : v.getBounds()) check(b, where + " bounds", out);
    }

    private static void check(Type type, String where, List<String> out) {
        Set<String> bad = new TreeSet<>();
        collect(type, bad, new HashSet<>());
        for (String b : bad) out.add(where + " " + b);
    }

    private static void collect(Type type, Set<String> bad, Set<Type> seen) {
        if (type == null || !seen.add(type)) return;
        switch (type) {
            case Class<?> c when c.isArray() -> collect(c.getComponentType(), bad, seen);
            case Class<?> c -> { if (!allowed(c)) bad.add(c.getName()); }
            case ParameterizedType p -> {
                collect(p.getRawType(), bad, seen);
                collect(p.getOwnerType(), bad, seen);
                for (Type a : p.getActualTypeArguments()) collect(a, bad, seen);
            }
            case WildcardType w -> {
                for (Type b : w.getUpperBounds()) collect(b, bad, seen);
                for (Type b : w.getLowerBounds()) collect(b, bad, seen);
            }
            case TypeVariable<?> v -> { for (Type b : v.getBounds()) collect(b, bad, seen); }
            case GenericArrayType g -> collect(g.getGenericComponentType(), bad, seen);
            default -> bad.add(type.getTypeName());
        }
    }

    static boolean allowed(Class<?> c) {
        if (c.isPrimitive() || c.getName().startsWith("java.")) return true;
        Class<?> top = c;
        while (top.getEnclosingClass() != null) top = top.getEnclosingClass();
        return top.getPackageName().equals(PACKAGE) || ReExports.TYPES.contains(top);
    }

    private static Class<?> raw(Type t) {
        return t instanceof ParameterizedType p ? (Class<?>) p.getRawType() : t instanceof Class<?> c ? c : Object.class;
    }

    private static boolean visible(int modifiers) { return Modifier.isPublic(modifiers) || Modifier.isProtected(modifiers); }

    /** Every public type of the package (nested ones too, when every enclosing type is public), from its class files. */
    static List<Class<?>> publicTypes() throws IOException, URISyntaxException, ClassNotFoundException {
        Path classes = Path.of(Wisca.class.getProtectionDomain().getCodeSource().getLocation().toURI());
        Path folder = classes.resolve(PACKAGE.replace('.', '/'));
        List<Class<?>> out = new ArrayList<>();
        try (Stream<Path> files = Files.list(folder)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".class")).sorted().toList()) {
                String file = f.getFileName().toString();
                Class<?> c = Class.forName(PACKAGE + "." + file.substring(0, file.length() - ".class".length()), false,
                    SdkSignatureTest.class.getClassLoader());
                if (effectivelyPublic(c)) out.add(c);
            }
        }
        return out;
    }

    private static boolean effectivelyPublic(Class<?> c) {
        for (Class<?> k = c; k != null; k = k.getEnclosingClass()) {
            if (!Modifier.isPublic(k.getModifiers()) || k.isAnonymousClass() || k.isLocalClass()) return false;
        }
        return true;
    }
}
