"""WISCA in a plain PyTorch loop: a tiny Llama trained with AdamW, rescaled every 50 steps.

Run from this folder: ``python3 plain_loop.py`` (spawns ``../../bin/wisca serve --stdio``), or start
``wisca serve --port 8765`` and pass ``--server http://127.0.0.1:8765``.
"""

import argparse

import torch

from tiny_llama import TinyLlama
from wisca_hook import WiscaHook


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", default=None, help="URL of wisca serve (default: spawn bin/wisca serve --stdio)")
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args()
    torch.manual_seed(0)
    model = TinyLlama()
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    data = torch.randint(0, model.config["vocab_size"], (16, 33))
    with WiscaHook(model, opt, every=50, at_init=True, pairs=("qk", "vo"), server=args.server) as hook:
        hook.step(0)
        for step in range(1, args.steps + 1):
            logits = model(data[:, :-1])
            loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), data[:, 1:].reshape(-1))
            loss.backward()
            opt.step()
            opt.zero_grad()
            report = hook.step(step)
            if report is not None:
                worst = max(s["imbalanceBefore"] for s in report["sites"])
                print("step %d loss %.4f: rescaled %d sites (worst imbalance before %.3f bits)" % (step, loss.item(), len(report["sites"]), worst))


if __name__ == "__main__":
    main()
