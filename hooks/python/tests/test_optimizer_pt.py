"""The Trainer's optimizer.pt through `wisca rescale --optimizer-state`: a real archive written by transformers.Trainer
is transformed by the Java CLI, loads with torch.load(weights_only=True), keeps every other entry byte for byte, and
its moments are m/s and v/s^2 for the scale s each weight element got; resuming from the rescaled checkpoint takes
the same next step as a run whose live WiscaCallback rescaled at that step."""

import os
import zipfile

import pytest
import torch

from conftest import server_option, tiny_llama
from test_hf import RandomTokens
from wisca import cli
from wisca.errors import WiscaError
from wisca.hf import WiscaCallback

SETTINGS = {"pairs": ("qk", "vo", "updown"), "granularity": "kv-group"}
MOMENTS = ("exp_avg", "exp_avg_sq")


def trainer(output_dir, max_steps, callbacks=(), save_steps=None):
    from transformers import Trainer, TrainingArguments
    args = TrainingArguments(output_dir=str(output_dir), max_steps=max_steps, per_device_train_batch_size=4,
                             learning_rate=1e-2, lr_scheduler_type="constant", report_to=[], use_cpu=True, seed=0,
                             data_seed=0, dataloader_num_workers=0, disable_tqdm=True,
                             save_strategy="steps" if save_steps else "no", save_steps=save_steps or 500)
    return Trainer(model=tiny_llama(31), args=args, train_dataset=RandomTokens(), callbacks=list(callbacks))


def checkpoint(tmp_path, name, record_param_names=True, steps=2):
    """A Trainer checkpoint after `steps` AdamW steps; WiscaCallback(every=0) only names the param groups."""
    callback = WiscaCallback(every=0, record_param_names=record_param_names, server=server_option())
    trainer(tmp_path / name, steps, [callback], save_steps=steps).train()
    return tmp_path / name / ("checkpoint-%d" % steps)


def named_state(path):
    saved = torch.load(path, weights_only=True)
    names = {i: n for g in saved["param_groups"] for i, n in zip(g["params"], g["param_names"])}
    return {names[i]: s for i, s in saved["state"].items()}


def assert_moments_follow_the_weights(ckpt, out):
    """out/optimizer.pt loads with weights_only=True, holds m/s and v/s^2 for the factor s each weight element got
    (measured from the weights), and differs from ckpt/optimizer.pt only in the scaled moments' storages."""
    from safetensors.torch import load_file
    before, after = named_state(ckpt / "optimizer.pt"), named_state(out / "optimizer.pt")  # weights_only=True loads it
    w0, w1 = load_file(str(ckpt / "model.safetensors")), load_file(str(out / "model.safetensors"))
    scaled = [n for n in before if not torch.equal(w0[n], w1[n])]
    assert any(".q_proj." in n for n in scaled) and any(".down_proj." in n for n in scaled), scaled
    for name, state in before.items():
        s = w1[name].double() / w0[name].double()  # the factor each element got, r_i * c_j, measured from the weights
        for field, power in (("exp_avg", 1), ("exp_avg_sq", 2)):
            expected = state[field].double() / s ** power
            assert torch.allclose(after[name][field].double(), expected, rtol=1e-6, atol=0), name + "." + field
        assert torch.equal(after[name]["step"], state["step"])

    # Every entry but the scaled moments' storages is byte-identical, at the same offset (torch's 64-byte alignment).
    z0, z1 = zipfile.ZipFile(ckpt / "optimizer.pt"), zipfile.ZipFile(out / "optimizer.pt")
    assert z0.namelist() == z1.namelist()
    rewritten = []
    for a, b in zip(z0.infolist(), z1.infolist()):
        assert (a.header_offset, a.file_size) == (b.header_offset, b.file_size), a.filename
        if z0.read(a) != z1.read(b):  # zipfile checks every CRC-32 as it reads
            rewritten.append(a.filename)
    assert all("/data/" in n for n in rewritten)
    assert len(rewritten) == 2 * len(scaled), "exactly the moments of the %d scaled parameters" % len(scaled)
    return z1


def test_trainer_optimizer_pt_is_transformed_loadable_and_byte_identical_elsewhere(tmp_path):
    ckpt = checkpoint(tmp_path, "run")
    out = tmp_path / "out"
    cli.rescale(ckpt, out, optimizer_state=True, **SETTINGS)

    for side in ("scheduler.pt", "rng_state.pth", "trainer_state.json", "training_args.bin", "config.json"):
        assert (out / side).read_bytes() == (ckpt / side).read_bytes(), side + " is carried into OUT unchanged"
    archive = assert_moments_follow_the_weights(ckpt, out)
    assert archive.comment.startswith(b"wisca.plan "), "the plan applied to the moments is recorded for undo"


def test_watch_transforms_the_trainer_optimizer_pt_in_place(tmp_path):
    import shutil
    ckpt = checkpoint(tmp_path, "run")
    original = tmp_path / "original"
    shutil.copytree(ckpt, original)
    cli.run("watch", tmp_path / "run", "--once", "--optimizer-state", "--pairs", "qk,vo,updown", "--granularity", "kv-group")
    assert_moments_follow_the_weights(original, ckpt)


def test_undo_restores_the_moments(tmp_path):
    ckpt = checkpoint(tmp_path, "run")
    out, plan, restored = tmp_path / "out", tmp_path / "plan", tmp_path / "restored"
    cli.rescale(ckpt, out, optimizer_state=True, save_plan=plan, **SETTINGS)
    cli.run("undo", out, plan, restored, "--optimizer-state")
    before, back = named_state(ckpt / "optimizer.pt"), named_state(restored / "optimizer.pt")
    for name in before:
        for field in MOMENTS:
            assert torch.allclose(back[name][field], before[name][field], rtol=1e-6, atol=0), name
    with pytest.raises(WiscaError) as refused:  # the moments of the restored folder were never rescaled by the plan
        cli.run("undo", restored, plan, tmp_path / "again", "--optimizer-state")
    assert refused.value.exit_code == 2 and refused.value.kind == "PlanMismatch", refused.value
    assert not (tmp_path / "again").exists(), "nothing written"


def test_without_param_names_an_ambiguous_mapping_is_refused(tmp_path):
    ckpt = checkpoint(tmp_path, "plain", record_param_names=False)
    saved = torch.load(ckpt / "optimizer.pt", weights_only=True)
    assert all("param_names" not in g for g in saved["param_groups"]), "the Trainer alone does not name its groups"
    out = tmp_path / "out"
    with pytest.raises(WiscaError) as refused:
        cli.rescale(ckpt, out, optimizer_state=True, **SETTINGS)
    assert refused.value.exit_code == 2 and refused.value.kind == "InvalidOptimizerState", refused.value
    assert "optimizer.pt" in str(refused.value) and "param_names" in str(refused.value)
    assert not out.exists(), "nothing is written when the optimizer state is refused"


def test_resuming_an_offline_rescale_matches_the_live_callback(tmp_path):
    # A: train 2 steps and save; rescale the checkpoint offline; resume for one more step.
    ckpt = checkpoint(tmp_path, "a")
    rescaled = tmp_path / "a-rescaled"
    cli.rescale(ckpt, rescaled, optimizer_state=True, **SETTINGS)
    resumed = trainer(tmp_path / "a-resumed", 3)
    resumed.train(resume_from_checkpoint=str(rescaled))
    p_a = {n: p.detach().clone() for n, p in resumed.model.named_parameters()}

    # B: the same 3 steps with the live callback rescaling (weights and moments) after step 2.
    live = trainer(tmp_path / "b", 3, [WiscaCallback(every=2, server=server_option(), **SETTINGS)])
    live.train()
    rescales = [e for e in live.state.log_history if "wisca/rescales" in e]
    assert [e["step"] for e in rescales] == [2]
    p_b = {n: p.detach() for n, p in live.model.named_parameters()}

    # Both rescales solve the same statistics (Java's sums over the saved f32 weights, torch's sums over the
    # live ones) with the same solver and round W*s once to f32: here P_A and P_B came out bit-identical. Summation
    # order may differ elsewhere (about 1e-7 relative in a scale); one AdamW step (lr 1e-2) moves each weight by about
    # lr * m/sqrt(v), which keeps that relative difference: 1e-5 relative (plus 1e-7 absolute near 0) is the margin.
    for name in p_b:
        diff = (p_a[name] - p_b[name]).abs().max().item()
        assert torch.allclose(p_a[name], p_b[name], rtol=1e-5, atol=1e-7), "%s differs by %g" % (name, diff)
    # and the step after the rescale is not the step without one (the comparison can fail)
    plain = trainer(tmp_path / "c", 3)
    plain.train()
    assert any(not torch.allclose(p.detach(), p_b[n], rtol=1e-5, atol=1e-7) for n, p in plain.model.named_parameters())


def test_the_hook_names_a_plain_optimizers_groups():
    model = tiny_llama(5)
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-3)
    from wisca.torch import WiscaHook
    WiscaHook(model, optimizer, every=0, server=server_option())
    saved = optimizer.state_dict()["param_groups"]
    assert saved[0]["param_names"] == [n for n, _ in model.named_parameters()]
    fresh = torch.optim.AdamW(tiny_llama(5).parameters(), lr=1e-3)
    WiscaHook(model, fresh, every=0, server=server_option(), record_param_names=False)
    assert "param_names" not in fresh.state_dict()["param_groups"][0]


def test_a_checkpoint_saved_without_names_is_named_from_its_model_then_rescaled(tmp_path):
    from wisca.hf import name_optimizer_state
    ckpt = checkpoint(tmp_path, "plain", record_param_names=False)
    with pytest.raises(WiscaError) as refused:  # another model: its groups do not fit
        name_optimizer_state(ckpt / "optimizer.pt", tiny_llama(31, layers=1), out=tmp_path / "never.pt")
    assert refused.value.kind == "InvalidOptimizerState" and not (tmp_path / "never.pt").exists()
    names = name_optimizer_state(ckpt / "optimizer.pt", tiny_llama(31))  # the same architecture, any weights
    assert sorted(names) == sorted(n for n, _ in tiny_llama(31).named_parameters())
    out = tmp_path / "out"
    cli.rescale(ckpt, out, optimizer_state=True, **SETTINGS)
    before, after = named_state(ckpt / "optimizer.pt"), named_state(out / "optimizer.pt")
    from safetensors.torch import load_file
    w0, w1 = load_file(str(ckpt / "model.safetensors")), load_file(str(out / "model.safetensors"))
    for name, state in before.items():
        s = w1[name].double() / w0[name].double()  # a wrong order (q for o: same shape) would fail here
        assert torch.allclose(after[name]["exp_avg"].double(), state["exp_avg"].double() / s, rtol=1e-6, atol=0), name
