"""DDP and FSDP2 under ``torchrun --nproc_per_node 2`` (gloo on CPU): see distributed_worker.py for the checks."""

import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))


def test_ddp_replicas_and_fsdp2_shards_rescale_like_one_process(tmp_path):
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
               os.path.join(HERE, "distributed_worker.py"), str(tmp_path)]
    env = dict(os.environ, OMP_NUM_THREADS="1")
    done = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)
    assert done.returncode == 0, "torchrun failed (%d):\n%s\n%s" % (done.returncode, done.stdout[-4000:], done.stderr[-8000:])
    with open(tmp_path / "summary.json", encoding="utf-8") as f:
        summary = json.load(f)
    assert summary["world"] == 2
    assert summary["refusal"] == "InvalidArgument"
    assert [r["step"] for r in summary["ddp"]] == [2, 4], "DDP rescaled at every=2 over 4 steps"
    assert all(r["tensors"] == 8 for r in summary["ddp"]), "q, k, v, o of 2 layers"
    fsdp = summary["fsdp2"]
    assert fsdp["weights_vs_single"] < 1e-6 and fsdp["moments_vs_single"] < 1e-6
    assert fsdp["logits_moved"] < 1e-5 and fsdp["balance"] < 1e-6
