package dev.wisca.cli;

import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Puts engine messages into CLI terms: the engine names a setting {@code setting 'probesOnly'} (its
 * Java API name, see WiscaException.invalidArgument); the CLI shows the flag, {@code --probes-only}.
 */
final class FlagNames {
    private static final Pattern SETTING = Pattern.compile("setting '([A-Za-z][A-Za-z0-9]*)'");
    /** API names whose flag is not the name in kebab case. */
    private static final Map<String, String> RENAMED = Map.of("parallelism", "--threads");

    private FlagNames() {}

    static String inCliTerms(String message) {
        Matcher m = SETTING.matcher(message);
        StringBuilder sb = new StringBuilder();
        while (m.find()) m.appendReplacement(sb, Matcher.quoteReplacement(flag(m.group(1))));
        return m.appendTail(sb).toString();
    }

    static String flag(String apiName) {
        String renamed = RENAMED.get(apiName);
        return renamed != null ? renamed : "--" + apiName.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }
}
