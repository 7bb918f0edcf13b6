"""Finding and running the Java CLI: the ``wisca`` console script, and the command the other modules run.

Where the CLI is found, first match wins (nothing about the repository is written into the package):

1. ``$WISCA_CLI``: a launcher to run (a checkout's ``bin/wisca``, or any executable taking wisca's arguments);
2. ``$WISCA_JAR``: a ``wisca-cli.jar`` (its dependencies in ``lib/`` beside it, or ``cli/target/lib``);
3. ``$WISCA_HOME``: a wisca checkout (``bin/wisca``) or a folder holding ``wisca-cli.jar``;
4. a jar bundled in the package (``wisca/java/wisca-cli.jar``, put there by a distribution before building);
5. the checkout this package sits in, when it is used from source (``hooks/python/src/wisca`` → ``bin/wisca``).

A jar is run with a JDK 25 or newer found the way the repository's ``bin/find-jdk`` looks:
``$JAVA_HOME``, then the usual install folders, then ``javac`` on the ``PATH``.
"""

import glob
import os
import shutil
import subprocess
import sys

from .errors import WiscaError

__all__ = ["find_jdk", "cli_command", "main"]

JDK_FOLDERS = ("/usr/lib/jvm/temurin-25*", "/usr/lib/jvm/*25*", "/usr/lib/jvm/*", "/opt/java/*", "/opt/jdk*",
               "~/.sdkman/candidates/java/*", "~/.jdks/*", "/Library/Java/JavaVirtualMachines/*/Contents/Home")
MIN_JAVA = 25
# The JVM flags the CLI needs when bin/jvm-flags is not at hand (a bundled jar without its flags file).
DEFAULT_JVM_FLAGS = ["--enable-native-access=ALL-UNNAMED", "--add-modules", "jdk.incubator.vector",
                     "--add-opens=java.base/java.nio=ALL-UNNAMED", "--sun-misc-unsafe-memory-access=allow",
                     "-Dai.djl.offline=true"]
HERE = os.path.dirname(os.path.abspath(__file__))


def _java_version(home):
    java, javac = os.path.join(home, "bin", "java"), os.path.join(home, "bin", "javac")
    if not (os.access(java, os.X_OK) and os.access(javac, os.X_OK)):
        return None
    try:
        out = subprocess.run([java, "-XshowSettings:properties", "-version"], capture_output=True, text=True,
                             timeout=60).stderr
    except (OSError, subprocess.TimeoutExpired):
        return None
    for line in out.splitlines():
        key, sep, value = line.strip().partition(" = ")
        if sep and key == "java.specification.version":
            try:
                return int(value.split(".")[0])
            except ValueError:
                return None
    return None


def _is_jdk(home):
    version = _java_version(home)
    return version is not None and version >= MIN_JAVA


def find_jdk():
    """The home of a JDK 25 or newer; raises WiscaError(kind="NoJdk") saying where it looked."""
    home = os.environ.get("JAVA_HOME")
    if home and _is_jdk(home):
        return home
    for pattern in JDK_FOLDERS:
        for candidate in sorted(glob.glob(os.path.expanduser(pattern))):
            if os.path.isdir(candidate) and _is_jdk(candidate):
                return candidate
    javac = shutil.which("javac")
    if javac:
        candidate = os.path.dirname(os.path.dirname(os.path.realpath(javac)))
        if _is_jdk(candidate):
            return candidate
    raise WiscaError("NoJdk", "wisca needs a JDK %d or newer and found none (checked JAVA_HOME%s, /usr/lib/jvm, "
                              "/opt/java and javac on the PATH); install one (e.g. Temurin 25 from https://adoptium.net) "
                              "and set JAVA_HOME to it" % (MIN_JAVA, " = " + home if home else ""))


def _repo_launcher(start):
    """bin/wisca of the checkout holding ``start`` (this package used from source), or None."""
    folder = start
    for _ in range(6):
        folder = os.path.dirname(folder)
        launcher = os.path.join(folder, "bin", "wisca")
        if os.access(launcher, os.X_OK) and os.path.isfile(os.path.join(folder, "cli", "pom.xml")):
            return launcher
    return None


def _jar_command(jar, flags_file=None):
    jar = os.path.abspath(jar)
    folder = os.path.dirname(jar)
    libs = [os.path.join(folder, "lib"), os.path.join(folder, "..", "..", "cli", "target", "lib")]
    lib = next((d for d in libs if os.path.isdir(d)), None)
    classpath = jar + (os.pathsep + os.path.join(lib, "*") if lib else "")
    flags = DEFAULT_JVM_FLAGS
    for candidate in (flags_file, os.path.join(folder, "jvm-flags")):
        if candidate and os.path.isfile(candidate):
            with open(candidate, encoding="utf-8") as f:
                flags = f.read().split()
            break
    extra = os.environ.get("WISCA_JAVA_OPTS", "").split()
    return [os.path.join(find_jdk(), "bin", "java")] + flags + extra + ["-cp", classpath, "dev.wisca.cli.Main"]


def _home_command(home):
    launcher = os.path.join(home, "bin", "wisca")
    if os.access(launcher, os.X_OK):
        return [launcher]
    for jar in (os.path.join(home, "wisca-cli.jar"), os.path.join(home, "cli", "target", "wisca-cli.jar")):
        if os.path.isfile(jar):
            return _jar_command(jar, os.path.join(home, "bin", "jvm-flags"))
    raise WiscaError("NoCli", "WISCA_HOME=%s holds neither bin/wisca nor wisca-cli.jar" % home)


def cli_command():
    """The command (argument list) that runs the Java CLI; raises WiscaError(kind="NoCli"/"NoJdk") when none is found."""
    if os.environ.get("WISCA_CLI"):
        launcher = os.environ["WISCA_CLI"]
        if not os.access(launcher, os.X_OK):
            raise WiscaError("NoCli", "WISCA_CLI=%s is not an executable file" % launcher)
        return [launcher]
    if os.environ.get("WISCA_JAR"):
        jar = os.environ["WISCA_JAR"]
        if not os.path.isfile(jar):
            raise WiscaError("NoCli", "WISCA_JAR=%s does not exist" % jar)
        return _jar_command(jar)
    if os.environ.get("WISCA_HOME"):
        return _home_command(os.environ["WISCA_HOME"])
    bundled = os.path.join(HERE, "java", "wisca-cli.jar")
    if os.path.isfile(bundled):
        return _jar_command(bundled)
    launcher = _repo_launcher(HERE)
    if launcher:
        return [launcher]
    raise WiscaError("NoCli", "cannot find the wisca CLI: this package has no bundled jar and is not inside a wisca "
                              "checkout; set WISCA_HOME to a checkout (or a folder with wisca-cli.jar), WISCA_JAR to "
                              "wisca-cli.jar or WISCA_CLI to a launcher")


def main(argv=None):
    """The ``wisca`` console script: runs the Java CLI with these arguments, exits with its status."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        command = cli_command()
    except WiscaError as e:
        print("wisca: " + str(e), file=sys.stderr)
        return 2
    try:
        return subprocess.call(command + args)
    except KeyboardInterrupt:
        return 130
    except OSError as e:
        print("wisca: cannot run %s: %s" % (command[0], e), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
