package dev.wisca.cli;

import picocli.CommandLine.IVersionProvider;

/** {@link Version}'s lines for picocli's {@code --version}. */
final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        return Version.lines();
    }
}
