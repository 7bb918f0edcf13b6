package dev.wisca.rescale.lora;

import dev.wisca.io.ErrorKind;
import dev.wisca.io.WiscaException;

import java.nio.file.Path;
import java.util.List;

/** The validated LoRA adapter spec: tensor name templates, config keys, site id template. */
public final class LoraSpec {
    static final String MODULE = "${module}";

    private final LoraSpecJson json;
    private final Path source;

    private LoraSpec(LoraSpecJson json, Path source) {
        this.json = json;
        this.source = source;
    }

    public static LoraSpec of(LoraSpecJson json, Path source) {
        require(json.peftType(), "peft_type", source);
        require(json.config(), "config", source);
        require(json.config().rank(), "config.rank", source);
        require(json.config().alpha(), "config.alpha", source);
        require(json.example(), "example", source);
        for (String[] t : new String[][] {{json.a(), "a"}, {json.b(), "b"}, {json.id(), "id"}}) {
            require(t[0], t[1], source);
            if (!t[0].contains(MODULE)) throw new WiscaException(ErrorKind.INVALID_SPEC, source, null, "'" + t[1] + "' lacks " + MODULE);
        }
        if (!json.a().startsWith(MODULE) || !json.b().startsWith(MODULE)) {
            throw new WiscaException(ErrorKind.INVALID_SPEC, source, null, "'a' and 'b' must start with " + MODULE);
        }
        return new LoraSpec(json, source);
    }

    private static void require(Object v, String key, Path source) {
        if (v == null) throw new WiscaException(ErrorKind.INVALID_SPEC, source, null, "missing key '" + key + "'");
    }

    public LoraSpecJson json() { return json; }

    public Path source() { return source; }

    public String peftType() { return json.peftType(); }

    /** The name suffix of A factors after the module name, e.g. {@code .lora_A.weight}. */
    public String aSuffix() { return json.a().substring(MODULE.length()); }

    public String bSuffix() { return json.b().substring(MODULE.length()); }

    public String aName(String module) { return json.a().replace(MODULE, module); }

    public String bName(String module) { return json.b().replace(MODULE, module); }

    /** Site id of a module: the id template with the first matching strip prefix removed. */
    public String siteId(String module) {
        String m = module;
        for (String p : json.strip() == null ? List.<String>of() : json.strip()) {
            if (m.startsWith(p)) {
                m = m.substring(p.length());
                break;
            }
        }
        return json.id().replace(MODULE, m);
    }
}
