package dev.wisca.cli;

import dev.wisca.sdk.SampleCheckpoints;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Only LoRA adapters are rescaled as LoRA: an IA3 (or any other PEFT method) adapter is refused, naming its config. */
class PeftTypeTest {
    @TempDir Path dir;

    @Test
    void anIa3AdapterIsRefusedNotRescaledAsLora() throws Exception {
        Path adapter = SampleCheckpoints.writeLora(dir.resolve("lora"), 2).resolve("adapter");
        assertEquals(0, Cli.run("rescale", adapter.toString(), dir.resolve("ok").toString(), "--pairs", "lora").exitCode(), "LORA is accepted");
        Path config = adapter.resolve("adapter_config.json");
        String text = Files.readString(config);
        assertTrue(text.contains("\"LORA\""), text);
        for (String other : new String[] {"\"IA3\"", "\"LOHA\"", "null", "7"}) {
            Files.writeString(config, text.replace("\"LORA\"", other));
            Cli r = Cli.run("rescale", adapter.toString(), dir.resolve("out").toString(), "--pairs", "lora");
            assertEquals(2, r.exitCode(), other + ": " + r.out() + r.err());
            assertTrue(r.err().startsWith("wisca: UnknownArchitecture: " + config), r.err());
            assertFalse(Files.exists(dir.resolve("out")));
        }
    }
}
