package dev.wisca.cli;

import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * transformers is the judge of config.json: a float32 LlamaForCausalLM saved by transformers, resharded
 * to bf16 by wisca, loads back (dtype "auto") as bfloat16, with config.dtype bfloat16, and every weight
 * equal to torch's own conversion of the original. Needs $WISCA_PYTHON (bin/test sets it).
 */
@Tag("python")
class ReshardDtypeOracleTest {
    static final String PYTHON = System.getenv().getOrDefault("WISCA_PYTHON", "python3");
    @TempDir Path dir;

    private static String python(String script, String... args) throws Exception {
        String[] command = new String[args.length + 3];
        command[0] = PYTHON;
        command[1] = "-c";
        command[2] = script;
        System.arraycopy(args, 0, command, 3, args.length);
        Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!p.waitFor(300, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("python did not finish:\n" + output);
        }
        assertEquals(0, p.exitValue(), PYTHON + " failed (run the tests through bin/test, which sets WISCA_PYTHON to a venv with torch "
            + "and transformers):\n" + output);
        return output;
    }

    @Test
    void transformersLoadsTheReshardedCheckpointInTheNewDtype() throws Exception {
        Path in = dir.resolve("in");
        Path out = dir.resolve("out");
        python("""
            import sys, torch
            from transformers import LlamaConfig, LlamaForCausalLM
            torch.manual_seed(0)
            c = LlamaConfig(hidden_size=16, intermediate_size=32, num_hidden_layers=1, num_attention_heads=2,
                            num_key_value_heads=1, vocab_size=32)
            LlamaForCausalLM(c).to(torch.float32).save_pretrained(sys.argv[1])
            """, in.toString());
        Cli r = Cli.run("reshard", in.toString(), out.toString(), "--dtype", "bf16");
        assertEquals(0, r.exitCode(), r.err());
        String verdict = python("""
            import sys, torch
            from transformers import AutoConfig, AutoModelForCausalLM
            assert AutoConfig.from_pretrained(sys.argv[2]).dtype == torch.bfloat16, AutoConfig.from_pretrained(sys.argv[2]).dtype
            a = AutoModelForCausalLM.from_pretrained(sys.argv[1], dtype=torch.float32)
            b = AutoModelForCausalLM.from_pretrained(sys.argv[2])
            assert b.dtype == torch.bfloat16, b.dtype
            sa, sb = a.state_dict(), b.state_dict()
            assert sa.keys() == sb.keys()
            for k in sa:
                assert sb[k].dtype == torch.bfloat16, k
                assert torch.equal(sa[k].to(torch.bfloat16), sb[k]), k
            print("OK", len(sa))
            """, in.toString(), out.toString());
        assertTrue(verdict.contains("OK"), verdict);
    }
}
