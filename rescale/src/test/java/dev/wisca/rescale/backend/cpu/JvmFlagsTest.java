package dev.wisca.rescale.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The launcher's JVM flags (bin/jvm-flags) and the build's (the pom's {@code wisca.jvm.flags}, which
 * the tests run with) must not disagree: every build flag is a launcher flag, and the launcher adds
 * only the choices of a short-lived process: its collector, its heap, and core reflection through the
 * JVM's native accessors (JDK 25 otherwise spins method-handle classes for each constructor, method
 * and field it first calls reflectively: Jackson binding a spec's two dozen records spun 80 of them and
 * compiled their generator, ~0.1 s of a one-shot rescale; a long-running JVM, as the tests are, is
 * better served by the default). No per-method JIT tuning: the kernels a one-shot run needs compile
 * fast without it (plain loops), and start-up work is in the AOT cache.
 */
class JvmFlagsTest {
    private static final List<String> LAUNCHER_ONLY = List.of("-XX:+UseSerialGC", "-Xms16m", "-Djdk.reflect.useNativeAccessorOnly=true");

    @Test
    void theLauncherRunsWithTheBuildsFlagsPlusItsCollectorAndHeap() throws IOException {
        List<String> launcher = Arrays.asList(Files.readString(Path.of("..", "bin", "jvm-flags")).trim().split("\\s+"));
        Matcher m = Pattern.compile("<wisca\\.jvm\\.flags>([^<]*)</wisca\\.jvm\\.flags>").matcher(Files.readString(Path.of("..", "pom.xml")));
        assertTrue(m.find(), "pom.xml defines wisca.jvm.flags");
        List<String> build = Arrays.asList(m.group(1).trim().split("\\s+"));
        List<String> extra = launcher.stream().filter(f -> !build.contains(f)).toList();
        assertEquals(LAUNCHER_ONLY, extra, "bin/jvm-flags beyond the pom's wisca.jvm.flags");
        assertTrue(launcher.containsAll(build), "bin/jvm-flags lacks some of the pom's flags: " + build);
        assertFalse(launcher.stream().anyMatch(f -> f.startsWith("-XX:CompileCommand")), "per-method JIT flags are back: " + launcher);
    }

    /**
     * The CLI jar's manifest says, for {@code java -jar}, what of bin/jvm-flags a manifest can say
     * (exports, opens, native access to the class path); each entry there is a launcher flag.
     */
    @Test
    void theJarsManifestEntriesAreLauncherFlags() throws IOException {
        List<String> launcher = Arrays.asList(Files.readString(Path.of("..", "bin", "jvm-flags")).trim().split("\\s+"));
        String pom = Files.readString(Path.of("..", "cli", "pom.xml"));
        List<String> implied = new java.util.ArrayList<>();
        Matcher m = Pattern.compile("<(Add-Exports|Add-Opens|Enable-Native-Access)>([^<]*)</\\1>").matcher(pom);
        while (m.find()) {
            for (String value : m.group(2).trim().split("\\s+")) {
                implied.add(switch (m.group(1)) {
                    case "Add-Exports" -> "--add-exports=" + value + "=ALL-UNNAMED";
                    case "Add-Opens" -> "--add-opens=" + value + "=ALL-UNNAMED";
                    default -> "--enable-native-access=" + value;
                });
            }
        }
        assertEquals(3, implied.size(), "cli/pom.xml's manifest entries: " + implied);
        assertTrue(launcher.containsAll(implied), "manifest entries that bin/jvm-flags lacks: " + implied + " vs " + launcher);
    }
}
