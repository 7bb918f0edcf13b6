"""One rank of the distributed tests, started by ``torchrun --nproc_per_node 2`` (gloo, CPU) from test_distributed.py.

DDP: a few AdamW steps with a different batch per rank, rescaled every 2 steps: after each rescale
the replicas (weights and moments) are bit-identical, the probe logits unchanged (1e-5), L1(q)=L1(k)
and L1(v)=L1(o) per layer. FSDP2 (``fully_shard`` per decoder layer and the root, uneven shards):
the full state dict gathered after a rescale equals a single-process rescale of the gathered state
before it (weights and moments, 1e-6), the probe logits are unchanged and the balance holds.
Rank 0 writes what it checked to ``OUT/summary.json``; any failed check exits non-zero.
"""

import json
import os
import shlex
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path[:0] = [HERE, os.path.join(os.path.dirname(HERE), "src")]

import torch  # noqa: E402
import torch.distributed as dist  # noqa: E402

from conftest import tiny_llama, token_batch  # noqa: E402
from wisca.torch import WiscaHook, strip_wrappers  # noqa: E402
from wisca.distributed import reshard  # noqa: E402
from wisca.transport import connect  # noqa: E402

ATTN = "model.layers.%d.self_attn.%s_proj.weight"
MODEL = dict(layers=2, hidden=32, heads=4, kv_heads=2, inter=49, vocab=64)  # inter 49: uneven FSDP2 shards (25 + 24)


def engine():
    if os.environ.get("WISCA_SERVER"):
        return connect(os.environ["WISCA_SERVER"])
    if os.environ.get("WISCA_SERVE_COMMAND"):
        return connect(shlex.split(os.environ["WISCA_SERVE_COMMAND"]))
    return connect(None)


def probe_logits(model, ids):
    with torch.no_grad():
        return model(input_ids=ids).logits.double()


def max_rel(a, b):
    return ((a - b).abs().max() / b.abs().max()).item()


def balance(weights, layers):
    worst = 0.0
    for layer in range(layers):
        l1 = {x: weights[ATTN % (layer, x)].double().abs().sum().item() for x in "qkvo"}
        worst = max(worst, abs(l1["q"] / l1["k"] - 1), abs(l1["v"] / l1["o"] - 1))
    return worst


def train_step(model, opt, ids):
    model.train()
    model(input_ids=ids, labels=ids).loss.backward()
    opt.step()
    opt.zero_grad()
    model.eval()


def refusal_reaches_every_rank(rank, transport, summary):
    """The engine's refusal, seen by the leader only, is raised on every rank (none is left in a collective)."""
    from wisca.errors import WiscaError
    try:
        WiscaHook(tiny_llama(22, **_llama_args()), pairs=("qk", "sideways"), server=transport).apply(0)
    except WiscaError as e:
        summary["refusal"] = e.kind
        assert "sideways" in str(e), "rank %d: %s" % (rank, e)
    else:
        raise AssertionError("rank %d: pairs=sideways was accepted" % rank)
    kinds = [None, None]
    dist.all_gather_object(kinds, summary["refusal"])
    assert kinds[0] == kinds[1], kinds


def run_ddp(rank, transport, summary):
    from torch.nn.parallel import DistributedDataParallel
    model = DistributedDataParallel(tiny_llama(21, **_llama_args()))
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2, foreach=False)
    hook = WiscaHook(model, opt, every=2, pairs=("qk", "vo"), server=transport)
    probe = token_batch(99, vocab=MODEL["vocab"])
    rescales = []
    for step in range(1, 5):
        train_step(model, opt, token_batch(100 * rank + step, vocab=MODEL["vocab"]))
        before = probe_logits(model.module, probe)
        report = hook.step(step)
        if report is None:
            continue
        moved = max_rel(probe_logits(model.module, probe), before)
        assert moved < 1e-5, "DDP step %d: probe logits moved by %g" % (step, moved)
        weights = {strip_wrappers(n): p.detach() for n, p in model.named_parameters()}
        worst = balance(weights, MODEL["layers"])
        assert worst < 1e-6, "DDP step %d: L1 balance off by %g" % (step, worst)
        for name, p in model.named_parameters():
            for label, t in [("weight", p.detach())] + [(k, opt.state[p][k]) for k in ("exp_avg", "exp_avg_sq")]:
                theirs = t.clone()
                dist.broadcast(theirs, src=0)
                assert torch.equal(theirs, t), "DDP step %d: rank %d's %s of %s differs from rank 0's" % (
                    step, rank, label, name)
        rescales.append({"step": step, "logits_moved": moved, "balance": worst, "tensors": len(report["tensors"])})
    summary["ddp"] = rescales


def _llama_args():
    return dict(layers=MODEL["layers"], hidden=MODEL["hidden"], heads=MODEL["heads"], kv_heads=MODEL["kv_heads"],
                inter=MODEL["inter"], vocab=MODEL["vocab"])


def full_state(model, opt):
    reshard(model)  # a forward pass leaves the root's parameters unsharded
    weights, moments = {}, {}
    for name, p in model.named_parameters():
        weights[name] = p.full_tensor().detach().clone()
        moments[name] = {k: opt.state[p][k].full_tensor().clone() for k in ("exp_avg", "exp_avg_sq")}
    return weights, moments


def single_process_rescale(weights, moments, step, transport, group):
    """The reference: the same rescale of the gathered state on one process (a group of one rank)."""
    model = tiny_llama(21, **_llama_args())
    model.load_state_dict(weights)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2, foreach=False)
    for name, p in model.named_parameters():
        opt.state[p] = {"step": torch.tensor(float(step)), **{k: v.clone() for k, v in moments[name].items()}}
    WiscaHook(model, opt, pairs=("qk", "vo", "updown"), server=transport, process_group=group).apply(step)
    return ({n: p.detach() for n, p in model.named_parameters()},
            {n: {k: opt.state[p][k] for k in ("exp_avg", "exp_avg_sq")} for n, p in model.named_parameters()})


def run_fsdp2(rank, world, transport, solo_groups, summary):
    from torch.distributed.device_mesh import init_device_mesh
    from torch.distributed.fsdp import fully_shard
    from torch.distributed.tensor import DTensor
    mesh = init_device_mesh("cpu", (world,))
    model = tiny_llama(21, **_llama_args())
    for layer in model.model.layers:
        fully_shard(layer, mesh=mesh)
    fully_shard(model, mesh=mesh)
    assert all(isinstance(p, DTensor) for p in model.parameters()), "fully_shard left plain tensors"
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2, foreach=False)
    hook = WiscaHook(model, opt, pairs=("qk", "vo", "updown"), server=transport)
    probe = token_batch(98, vocab=MODEL["vocab"])
    for step in range(1, 3):
        train_step(model, opt, token_batch(200 * rank + step, vocab=MODEL["vocab"]))
    weights0, moments0 = full_state(model, opt)
    before = probe_logits(model, probe)
    report = hook.apply(2)
    moved = max_rel(probe_logits(model, probe), before)
    weights1, moments1 = full_state(model, opt)
    worst = balance(weights1, MODEL["layers"])
    result = {"logits_moved": moved, "balance": worst, "tensors": len(report["tensors"])}
    assert moved < 1e-5, "FSDP2: probe logits moved by %g" % moved
    assert worst < 1e-6, "FSDP2: L1 balance off by %g" % worst
    up = "model.layers.0.mlp.up_proj.weight"
    assert not torch.equal(weights0[up], weights1[up]), "FSDP2: the uneven up_proj shards were not scaled"
    if rank == 0:
        ref_w, ref_m = single_process_rescale(weights0, moments0, 2, transport, solo_groups[0])
        diff = max(max_rel(weights1[n], ref_w[n]) for n in ref_w)
        diff_m = max(max_rel(moments1[n][k].double(), ref_m[n][k].double()) for n in ref_m for k in ("exp_avg", "exp_avg_sq"))
        assert diff < 1e-6, "FSDP2: gathered weights differ from the single-process rescale by %g" % diff
        assert diff_m < 1e-6, "FSDP2: gathered moments differ from the single-process rescale by %g" % diff_m
        result.update(weights_vs_single=diff, moments_vs_single=diff_m)
    train_step(model, opt, token_batch(300 + rank, vocab=MODEL["vocab"]))  # training goes on from the rescaled shards
    assert all(torch.isfinite(p.to_local()).all() for p in model.parameters())
    summary["fsdp2"] = result


def main():
    out = sys.argv[1]
    dist.init_process_group("gloo")
    rank, world = dist.get_rank(), dist.get_world_size()
    solo_groups = [dist.new_group([r]) for r in range(world)]  # collective: every rank makes every group
    transport = engine() if rank == 0 else None  # only the leader talks to the engine
    summary = {"world": world}
    try:
        refusal_reaches_every_rank(rank, transport, summary)
        run_ddp(rank, transport, summary)
        run_fsdp2(rank, world, transport, solo_groups, summary)
    finally:
        if transport is not None:
            transport.close()
    dist.barrier()
    if rank == 0:
        with open(os.path.join(out, "summary.json"), "w", encoding="utf-8") as f:
            json.dump(summary, f)
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
