"""bin/device-bundle and samples/python/gpu_hook_bench.py: what a lent GPU machine runs, checked here on the CPU.

The bundle (a jlinked runtime and the CLI jars, no DJL native library) must fit the device tool's 64 MiB
carry limit and serve the Python hook on its own; the bench script, run through it with --tiny, must time
the hook's four parts and find the probe logits unchanged at every event (power-of-two scales in bf16).
"""

import json
import os
import subprocess
import sys

from conftest import REPO

CARRY_LIMIT = 64 << 20


def test_the_device_bundle_fits_the_carry_limit_and_serves_the_hook(tmp_path):
    bundle = tmp_path / "device"
    made = subprocess.run([os.path.join(REPO, "bin", "device-bundle"), str(bundle)], capture_output=True, text=True,
                          timeout=900)
    assert made.returncode == 0, made.stderr
    size = sum(f.stat().st_size for f in bundle.rglob("*") if f.is_file())
    assert size <= CARRY_LIMIT, "%d bytes" % size
    assert not list(bundle.rglob("pytorch-native-*")), "DJL's native library belongs to the CPU backend only"
    assert (bundle / "runtime" / "bin" / "java").is_file()

    result = tmp_path / "gpu-hook.json"
    env = dict(os.environ, WISCA_CLI=str(bundle / "wisca"), PYTHONPATH=os.path.join(REPO, "hooks", "python", "src"))
    env.pop("WISCA_SERVER", None)
    ran = subprocess.run([sys.executable, os.path.join(REPO, "samples", "python", "gpu_hook_bench.py"), "--tiny",
                          "--steps", "8", "--every", "4", "--out", str(result)], env=env, capture_output=True,
                         text=True, timeout=900)
    assert ran.returncode == 0, ran.stderr
    report = json.loads(result.read_text())
    assert [e["step"] for e in report["events"]] == [4, 8]
    first = report["events"][0]
    assert first["tensors"] > 0, "the first event of a random-init GQA model scales q/k (GQA: k has half of q's rows)"
    assert set(first["parts"]) == {"statistics", "solve", "scaling", "moments"}
    assert all(e["probe_logits_identical"] and e["probe_max_abs_delta_logit"] == 0.0 for e in report["events"])
    assert report["all_probe_logits_identical"] is True
    assert 0.0 < report["hook_share_of_training"] < 1.0
