"""The live path where the weights are: a random-init bf16 Llama (~1B parameters) trained on CUDA with
wisca's hook every ``--every`` steps. Per rescale event it times the hook's four parts (statistics
on the GPU, the engine's solves, the in-place scaling, the optimizer moments), checks that the
logits of a fixed probe batch are unchanged, and reports the hook's share of training time. Prints
one JSON object (and writes it to ``--out``).

On the device machine, with the bundle of ``bin/device-bundle`` (a jlinked runtime and the CLI jars):

    WISCA_CLI=target/device/wisca PYTHONPATH=hooks/python/src \\
        python3 samples/python/gpu_hook_bench.py --steps 300 --every 50 --out "$OUT/gpu-hook.json"

Without a GPU, ``--tiny`` runs the same script on the CPU with a small model (to try the script itself;
its times say nothing about a GPU).
"""

import argparse
import json
import statistics
import time

import torch
from transformers import LlamaConfig, LlamaForCausalLM

import wisca.torch as wisca_torch
from wisca.torch import WiscaHook


def sync(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


class PartTimer:
    """Wall time of the hook's parts, summed per event; each part ends with a device sync so GPU work is counted."""

    def __init__(self, device):
        self.device = device
        self.parts = {}

    def wrap(self, name, fn):
        def timed(*args, **kwargs):
            sync(self.device)
            start = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                sync(self.device)
                self.parts[name] = self.parts.get(name, 0.0) + time.perf_counter() - start
        return timed

    def take(self):
        parts, self.parts = self.parts, {}
        return parts


def instrument(hook, timer):
    """Times statistics (_stage_stats), solves (the 'solve' calls), scaling (_tensors.scale), moments."""
    hook._stage_stats = timer.wrap("statistics", hook._stage_stats)
    hook._scale_moments = timer.wrap("moments", hook._scale_moments)
    call = hook._call
    solve = timer.wrap("solve", call)
    hook._call = lambda op, request: solve(op, request) if op == "solve" else call(op, request)
    wisca_torch._tensors.scale = timer.wrap("scaling", wisca_torch._tensors.scale)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=300)
    parser.add_argument("--every", type=int, default=50)
    parser.add_argument("--batch", type=int, default=8)
    parser.add_argument("--length", type=int, default=512)
    parser.add_argument("--layers", type=int, default=20, help="20 layers of hidden 2048: 1.03B parameters")
    parser.add_argument("--pairs", default="qk,vo")
    parser.add_argument("--granularity", default="tensor")
    parser.add_argument("--tiny", action="store_true", help="a small model on the CPU, to try the script")
    parser.add_argument("--out", help="also write the JSON here")
    args = parser.parse_args()
    if args.steps < 1 or args.every < 1 or args.every > args.steps:
        parser.error("--steps and --every must be at least 1, and --every at most --steps (no rescale event otherwise)")

    device = torch.device("cuda" if torch.cuda.is_available() and not args.tiny else "cpu")
    if device.type != "cuda" and not args.tiny:
        raise SystemExit("gpu_hook_bench: no CUDA device; run with --tiny to try the script on the CPU")
    if args.tiny:
        config = LlamaConfig(hidden_size=128, intermediate_size=256, num_hidden_layers=2, num_attention_heads=4,
                             num_key_value_heads=2, vocab_size=1000, tie_word_embeddings=False)
        args.batch, args.length = min(args.batch, 2), min(args.length, 32)
    else:
        config = LlamaConfig(hidden_size=2048, intermediate_size=5632, num_hidden_layers=args.layers,
                             num_attention_heads=16, num_key_value_heads=4, vocab_size=32000,
                             max_position_embeddings=2048, tie_word_embeddings=False)
    torch.manual_seed(0)
    with torch.device(device):  # initialized where it trains: a 1B model's random init on the host takes long
        model = LlamaForCausalLM(config)
    model = model.to(dtype=torch.bfloat16)
    parameters = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4, foreach=True)
    generator = torch.Generator(device="cpu").manual_seed(1)
    probe = torch.randint(0, config.vocab_size, (2, min(128, args.length)), generator=generator).to(device)

    def train_step():
        ids = torch.randint(0, config.vocab_size, (args.batch, args.length), generator=generator).to(device)
        model(input_ids=ids, labels=ids).loss.backward()
        opt.step()
        opt.zero_grad(set_to_none=True)

    def probe_logits():
        with torch.no_grad():
            return model(input_ids=probe).logits.float()

    timer = PartTimer(device)
    step_seconds, events = [], []
    with WiscaHook(model, opt, every=args.every, pairs=tuple(args.pairs.split(",")),
                   granularity=args.granularity) as hook:
        instrument(hook, timer)
        train_start = time.perf_counter()
        for step in range(1, args.steps + 1):
            sync(device)
            start = time.perf_counter()
            train_step()
            sync(device)
            step_seconds.append(time.perf_counter() - start)
            if hook.due(step):
                before = probe_logits()
                sync(device)
                start = time.perf_counter()
                report = hook.apply(step)
                sync(device)
                seconds = time.perf_counter() - start
                after = probe_logits()
                delta = (after - before).abs().max().item()
                events.append({"step": step, "seconds": seconds, "parts": timer.take(),
                               "tensors": len(report["tensors"]),
                               "worst_imbalance_before": report["worst_imbalance_before"],
                               "worst_imbalance_after": report["worst_imbalance_after"],
                               "probe_max_abs_delta_logit": delta,
                               "probe_max_abs_logit": before.abs().max().item(),
                               "probe_logits_identical": bool(torch.equal(before, after))})
        total = time.perf_counter() - train_start
    hook_seconds = sum(e["seconds"] for e in events)
    step_median = statistics.median(step_seconds)
    warm = statistics.median(e["seconds"] for e in events[1:]) if len(events) > 1 else None
    result = {
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "torch": torch.__version__, "parameters": parameters, "dtype": "bf16",
        "batch": [args.batch, args.length], "steps": args.steps, "every": args.every,
        "train_step_median_s": step_median,
        "total_s": total, "train_s": sum(step_seconds), "hook_s": hook_seconds,
        # the probe forward passes are the bench's own check, not training: left out of the share
        "hook_share_of_training": hook_seconds / (sum(step_seconds) + hook_seconds),
        "event_first_s": events[0]["seconds"] if events else None,
        "event_warm_median_s": warm,
        "hook_share_at_every_warm": warm / (args.every * step_median + warm) if warm is not None else None,
        "all_probe_logits_identical": all(e["probe_logits_identical"] for e in events),
        "events": events,
    }
    text = json.dumps(result, indent=1)
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text + "\n")


if __name__ == "__main__":
    main()
