package dev.wisca.cli;

import picocli.CommandLine.IVersionProvider;

/** Version from the jar manifest, with the Java runtime it runs on. */
final class VersionProvider implements IVersionProvider {
    @Override
    public String[] getVersion() {
        String v = Main.class.getPackage().getImplementationVersion();
        return new String[] {
            "wisca " + (v == null ? "0.1.0-SNAPSHOT" : v),
            "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"};
    }
}
