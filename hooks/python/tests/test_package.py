"""The package as users get it: a wheel built offline, the `wisca` console script, the JDK and CLI lookup."""

import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from conftest import REPO
from wisca import launcher
from wisca.errors import WiscaError

PACKAGE = os.path.join(REPO, "hooks", "python")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The wheel (built without network: --no-build-isolation, --no-index) and a --target install of it."""
    root = tmp_path_factory.mktemp("pkg")
    source = root / "source"  # setuptools writes build/ and *.egg-info beside the sources: build a copy
    shutil.copytree(PACKAGE, source, ignore=shutil.ignore_patterns("build", "dist", "*.egg-info", "__pycache__",
                                                                    ".pytest_cache", "tests"))
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check"]
    done = subprocess.run(pip + ["wheel", "--no-build-isolation", "--no-deps", "--no-index", "-w", str(root / "dist"),
                                 str(source)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    wheel = next((root / "dist").glob("wisca-*.whl"))
    done = subprocess.run(pip + ["install", "--no-deps", "--no-index", "--target", str(root / "site"), str(wheel)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return wheel, root / "site"


def test_the_wheel_holds_every_module_and_the_console_script(installed):
    wheel, _ = installed
    names = zipfile.ZipFile(wheel).namelist()
    for module in ("__init__", "cli", "errors", "launcher", "transport", "torch", "hf", "distributed", "_tensors"):
        assert "wisca/%s.py" % module in names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "wisca = wisca.launcher:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def run_script(site, env_extra, *args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("WISCA_") or k == "WISCA_PYTHON"}
    env.update(env_extra, PYTHONPATH=str(site))
    return subprocess.run([str(site / "bin" / "wisca")] + list(args), capture_output=True, text=True, env=env,
                          timeout=300, cwd=str(site))


def test_the_console_script_runs_the_cli_of_wisca_home(installed):
    _, site = installed
    done = run_script(site, {"WISCA_HOME": REPO}, "--version")
    assert done.returncode == 0, done.stderr
    assert "Java 25" in done.stdout


def test_the_console_script_says_what_is_missing_outside_a_checkout(installed):
    _, site = installed
    done = run_script(site, {}, "--version")
    assert done.returncode == 2
    assert "WISCA_HOME" in done.stderr and "cannot find the wisca CLI" in done.stderr


def test_a_jdk_25_is_found():
    home = launcher.find_jdk()
    assert launcher._java_version(home) >= 25


def test_no_jdk_is_reported_with_where_it_looked(monkeypatch, tmp_path):
    monkeypatch.setenv("JAVA_HOME", str(tmp_path))
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(launcher, "JDK_FOLDERS", ())
    with pytest.raises(WiscaError) as caught:
        launcher.find_jdk()
    assert caught.value.kind == "NoJdk"
    assert "JAVA_HOME" in str(caught.value) and "25" in str(caught.value)


def test_a_bare_jar_is_run_with_a_found_jdk(monkeypatch):
    jar = os.path.join(REPO, "cli", "target", "wisca-cli.jar")
    assert os.path.isfile(jar), "the CLI is built by Maven first (bin/test runs Maven before pytest)"
    monkeypatch.setenv("WISCA_JAR", jar)
    command = launcher.cli_command()
    assert command[0] == os.path.join(launcher.find_jdk(), "bin", "java")
    done = subprocess.run(command + ["--version"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
