package dev.wisca.cli;

/**
 * What {@code wisca --version} prints: the version from the jar manifest, with the Java runtime it runs on.
 * Free of picocli on purpose: a class implementing one of picocli's interfaces cannot be in the JVM's AOT
 * cache (picocli is Java 5 bytecode), and loading it sent the class loader through the jars on the class
 * path until it found picocli's; {@code main} prints this for {@code --version}, {@link VersionProvider}
 * hands the same lines to picocli.
 */
final class Version {
    private Version() {}

    static String[] lines() {
        String v = Main.class.getPackage().getImplementationVersion();
        return new String[] {
            "wisca " + (v == null ? "0.1.0-SNAPSHOT" : v),
            "Java " + Runtime.version() + " (" + System.getProperty("java.vendor") + ")"};
    }
}
