"""WiscaCallback in transformers.Trainer: rescales logged, save_steps checkpoints balanced, resume lands where
the uninterrupted run did."""

import os

import pytest
import torch

from conftest import server_option, tiny_llama
from wisca.hf import WiscaCallback

ATTN = "model.layers.%d.self_attn.%s_proj.weight"


class RandomTokens(torch.utils.data.Dataset):
    def __init__(self, vocab=64, n=64, length=16):
        self.ids = torch.randint(0, vocab, (n, length), generator=torch.Generator().manual_seed(0))

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "labels": self.ids[i]}


def trainer(output_dir, callback):
    from transformers import Trainer, TrainingArguments
    args = TrainingArguments(output_dir=str(output_dir), max_steps=6, per_device_train_batch_size=4, learning_rate=1e-2,
                             lr_scheduler_type="constant", save_strategy="steps", save_steps=2, logging_steps=1,
                             report_to=[], use_cpu=True, seed=0, data_seed=0, dataloader_num_workers=0,
                             disable_tqdm=True)
    return Trainer(model=tiny_llama(31), args=args, train_dataset=RandomTokens(), callbacks=[callback])


def balance(weights):
    worst = 0.0
    for layer in range(2):
        l1 = {x: weights[ATTN % (layer, x)].double().abs().sum().item() for x in "qkvo"}
        worst = max(worst, abs(l1["q"] / l1["k"] - 1), abs(l1["v"] / l1["o"] - 1))
    return worst


def test_trainer_rescales_logs_checkpoints_and_resumes(tmp_path):
    from safetensors.torch import load_file
    first = trainer(tmp_path / "run", WiscaCallback(every=2, server=server_option()))
    first.train()
    rescales = [e for e in first.state.log_history if "wisca/rescales" in e]
    assert [(e["step"], e["wisca/rescales"]) for e in rescales] == [(2, 1), (4, 2), (6, 3)]
    assert all(e["wisca/imbalance_before"] > e["wisca/imbalance_after"] and e["wisca/seconds"] > 0 for e in rescales)
    for step in (2, 4, 6):
        saved = load_file(os.path.join(tmp_path, "run", "checkpoint-%d" % step, "model.safetensors"))
        assert balance(saved) < 1e-6, "checkpoint-%d holds the rescaled weights" % step
    final = {n: p.detach().clone() for n, p in first.model.named_parameters()}
    saved = torch.load(os.path.join(tmp_path, "run", "checkpoint-4", "optimizer.pt"), weights_only=True)
    named = {i: n for g in saved["param_groups"] for i, n in zip(g["params"], g["param_names"])}
    assert sorted(named.values()) == sorted(final), "optimizer.pt names every state entry"
    q = next(i for i, n in named.items() if n == ATTN % (1, "q"))
    assert saved["state"][q]["exp_avg"].shape == final[ATTN % (1, "q")].shape

    callback = WiscaCallback(every=2, server=server_option())
    resumed = trainer(tmp_path / "run", callback)
    callback.attach(resumed)  # metrics through Trainer.log: every reporter sees them
    resumed.train(resume_from_checkpoint=str(tmp_path / "run" / "checkpoint-2"))
    logged = [e for e in resumed.state.log_history if "wisca/rescales" in e]
    assert [e["step"] for e in logged if e["step"] > 2] == [4, 6], "the schedule counts global steps after a resume"
    for name, p in resumed.model.named_parameters():
        assert torch.allclose(p.detach(), final[name], rtol=1e-5, atol=1e-7), \
            name + ": resuming from checkpoint-2 (rescaled weights and moments) lands where the uninterrupted run did"
