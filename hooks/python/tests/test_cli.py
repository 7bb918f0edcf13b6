"""wisca.cli against the Java CLI on a saved tiny Llama; WiscaError parsed from the CLI's error line."""

import os

import pytest
import torch

from conftest import tiny_llama
from wisca import cli
from wisca.errors import WiscaError, parse_message


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    folder = tmp_path_factory.mktemp("ckpt") / "tiny"
    tiny_llama(11).save_pretrained(folder)
    return folder


def test_inspect_lists_the_tensors_safetensors_holds(checkpoint):
    from safetensors import safe_open
    info = cli.inspect(checkpoint)
    with safe_open(os.path.join(checkpoint, "model.safetensors"), "pt") as f:
        expected = {k: list(f.get_slice(k).get_shape()) for k in f.keys()}
    assert {t.name: t.shape for t in info.tensors} == expected
    assert info.model_type == "llama"
    assert info.adapter is False


def test_stats_then_rescale_then_verify(checkpoint, tmp_path):
    before = cli.stats(checkpoint)
    assert before.model == "llama"
    assert len(before.balance()) == 2
    assert any(abs(qk - 1) > 0.05 for qk, _ in before.balance().values()), "a random GQA model starts unbalanced"
    out = tmp_path / "out"
    result = cli.rescale(checkpoint, out, pairs=("qk", "vo"), granularity="tensor")
    assert result.architecture == "llama"
    assert result.sites == 4
    assert {p.pair for p in result.pairs} == {"qk", "vo"}
    assert all(s.imbalance_after < 1e-9 for s in result.site_reports)
    from safetensors.torch import load_file
    w = load_file(os.path.join(out, "model.safetensors"))
    for layer in range(2):
        q, k = (w["model.layers.%d.self_attn.%s_proj.weight" % (layer, x)].double().abs().sum() for x in "qk")
        assert (q / k).item() == pytest.approx(1.0, abs=1e-6)
    for qk, vo in cli.stats(out).balance().values():
        assert qk == pytest.approx(1.0, abs=1e-6) and vo == pytest.approx(1.0, abs=1e-6)
    verdict = cli.verify(checkpoint, out)
    assert verdict.equivalent is True
    assert verdict.output == "logits"
    assert verdict.blocks and all(b.ok for b in verdict.blocks)


def test_verify_reports_a_changed_function_as_not_equivalent(checkpoint, tmp_path):
    from safetensors.torch import load_file, save_file
    import shutil
    broken = tmp_path / "broken"
    shutil.copytree(checkpoint, broken)
    w = load_file(os.path.join(broken, "model.safetensors"))
    w["model.layers.1.self_attn.q_proj.weight"] = w["model.layers.1.self_attn.q_proj.weight"] * 1.5
    save_file(w, os.path.join(broken, "model.safetensors"), metadata={"format": "pt"})
    verdict = cli.verify(checkpoint, broken)
    assert verdict.equivalent is False


def test_a_missing_input_raises_its_kind_and_path(tmp_path):
    missing = tmp_path / "nothing-here"
    with pytest.raises(WiscaError) as caught:
        cli.rescale(missing, tmp_path / "out")
    assert caught.value.kind == "IO"
    assert caught.value.path == str(missing)
    assert caught.value.exit_code == 2


def test_a_bad_option_raises_invalid_argument(checkpoint, tmp_path):
    with pytest.raises(WiscaError) as caught:
        cli.rescale(checkpoint, tmp_path / "out", pairs=("qk", "sideways"))
    assert caught.value.kind == "InvalidArgument"
    assert "sideways" in str(caught.value)
    assert not (tmp_path / "out").exists()


def test_error_lines_are_split_into_kind_path_tensor_and_detail(tmp_path):
    real = tmp_path / "a: b.safetensors"  # a file name with ': ' in it
    real.write_bytes(b"")
    e = parse_message("HeaderTooSmall: %s[model.layers.0.q]: header is 3 bytes" % real)
    assert (e.kind, e.path, e.tensor, e.detail) == ("HeaderTooSmall", str(real), "model.layers.0.q", "header is 3 bytes")
    e = parse_message("UnknownArchitecture: /m/config.json: model_type 'x' is not known")
    assert (e.kind, e.path, e.tensor) == ("UnknownArchitecture", "/m/config.json", None)
    e = parse_message("InvalidPlan: [lm_head.weight]: no factors")
    assert (e.kind, e.path, e.tensor, e.detail) == ("InvalidPlan", None, "lm_head.weight", "no factors")
    e = parse_message("unknown pair 'foo' (expected qk, vo)", exit_code=2)
    assert (e.kind, e.path) == ("InvalidArgument", None)
    from wisca.errors import from_cli_output
    e = from_cli_output('WARNING: Using incubator modules\n{"error": {"kind": "OutputExists", "message": "m", '
                        '"path": "/o", "tensor": null}}\n', 2)
    assert (e.kind, e.path, e.exit_code) == ("OutputExists", "/o", 2)


def test_the_error_line_is_found_after_progress_lines():
    from wisca.errors import from_cli_output
    stderr = ("wisca: stats 1/2 75% (18.4 kB of 24.6 kB, 6/8 tensors, ETA 1s)\n"
              "wisca: InvalidOptimizerState: /ckpt/optimizer.pt: it has no param_names\n")
    e = from_cli_output(stderr, 2)
    assert (e.kind, e.path, e.detail, e.exit_code) == ("InvalidOptimizerState", "/ckpt/optimizer.pt", "it has no param_names", 2)


def test_the_jar_runs_with_java_dash_jar_and_writes_what_the_launcher_writes(checkpoint, tmp_path):
    """`java -jar cli/target/wisca-cli.jar`: no flags typed; the jar's manifest holds its class path and the ones the CLI needs."""
    import subprocess
    from wisca.launcher import find_jdk
    jar = os.path.join(os.path.dirname(__file__), "..", "..", "..", "cli", "target", "wisca-cli.jar")
    assert os.path.isfile(jar), "the CLI jar is built before the Python tests run (bin/test)"
    plain = subprocess.run([os.path.join(find_jdk(), "bin", "java"), "-jar", jar, "rescale", str(checkpoint),
                            str(tmp_path / "plain"), "-q"], capture_output=True, text=True, timeout=300)
    assert plain.returncode == 0, plain.stderr
    assert plain.stderr == ""  # no JVM warnings either
    cli.rescale(checkpoint, tmp_path / "launcher")
    for name in ("model.safetensors", "config.json"):
        with open(tmp_path / "plain" / name, "rb") as a, open(tmp_path / "launcher" / name, "rb") as b:
            assert a.read() == b.read(), name
