"""What a rescale costs next to training: a ~100M-parameter (100.7M) random-init LlamaForCausalLM on this machine.

Times a few AdamW training steps and a few rescale events (the first includes starting the engine and
`describe`), then extrapolates the hook's share of training time at ``every`` steps:
rescale / (every * step + rescale). Prints one JSON object.

    PYTHONPATH=hooks/python/src python3 samples/python/hook_cost.py --steps 3 --every 250
"""

import argparse
import json
import time

import torch
from transformers import LlamaConfig, LlamaForCausalLM

from wisca.torch import WiscaHook


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--steps", type=int, default=3)
    parser.add_argument("--every", type=int, default=250)
    parser.add_argument("--batch", type=int, default=4)
    parser.add_argument("--length", type=int, default=256)
    parser.add_argument("--pairs", default="qk,vo")
    parser.add_argument("--granularity", default="tensor")
    args = parser.parse_args()
    torch.manual_seed(0)
    config = LlamaConfig(hidden_size=768, intermediate_size=2048, num_hidden_layers=12, num_attention_heads=12,
                         num_key_value_heads=4, vocab_size=16384, tie_word_embeddings=False)
    model = LlamaForCausalLM(config)
    params = sum(p.numel() for p in model.parameters())
    opt = torch.optim.AdamW(model.parameters(), lr=1e-4)
    ids = torch.randint(0, config.vocab_size, (args.batch, args.length))
    step_times = []
    for _ in range(args.steps + 1):  # the first step warms up (allocations, AdamW state)
        start = time.perf_counter()
        model(input_ids=ids, labels=ids).loss.backward()
        opt.step()
        opt.zero_grad()
        step_times.append(time.perf_counter() - start)
    step = sorted(step_times[1:])[len(step_times[1:]) // 2]
    with WiscaHook(model, opt, pairs=tuple(args.pairs.split(",")), granularity=args.granularity) as hook:
        events = [hook.apply(i)["seconds"] for i in range(3)]
    warm = sorted(events[1:])[0]
    print(json.dumps({"parameters": params, "threads": torch.get_num_threads(), "batch": [args.batch, args.length],
                      "train_step_s": step, "train_steps_s": step_times, "rescale_first_s": events[0],
                      "rescale_warm_s": warm, "rescale_events_s": events, "every": args.every,
                      "share_at_every": warm / (args.every * step + warm),
                      "share_at_every_incl_start": (events[0] + warm * 9) / 10 / (args.every * step + warm)}, indent=1))


if __name__ == "__main__":
    main()
