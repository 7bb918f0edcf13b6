package dev.wisca.rescale.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The launcher's JIT flags (bin/jvm-flags) name kernel methods by string; a rename would silently
 * turn them off. Every {@code dev.wisca} method they name must exist.
 */
class JitFlagsTest {
    private static final Pattern NAMED_METHOD = Pattern.compile("-XX:CompileCommand=\\w+,(dev\\.wisca\\.[\\w.]+)::(\\w+)(?=[,\\s]|$)");

    @Test
    void everyKernelMethodTheLauncherFlagsNameExists() throws IOException, ClassNotFoundException {
        String flags = Files.readString(Path.of("..", "bin", "jvm-flags"));
        Matcher m = NAMED_METHOD.matcher(flags);
        List<String> named = new ArrayList<>();
        while (m.find()) {
            String className = m.group(1);
            String method = m.group(2);
            Method[] methods = Class.forName(className).getDeclaredMethods();
            assertTrue(Arrays.stream(methods).anyMatch(x -> x.getName().equals(method)),
                "bin/jvm-flags names " + className + "::" + method + ", which does not exist");
            named.add(className + "::" + method);
        }
        assertFalse(named.isEmpty(), "bin/jvm-flags names no kernel method");
        assertTrue(named.contains(HalfScaleKernel.class.getName() + "::scale"), named.toString());
    }
}
