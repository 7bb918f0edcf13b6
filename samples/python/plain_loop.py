"""WISCA in a plain PyTorch loop: a tiny Llama trained with AdamW, rescaled every 50 steps.

    pip install ./hooks/python             # once, from the repository root (or PYTHONPATH=hooks/python/src)
    python3 samples/python/plain_loop.py   # spawns `wisca serve --stdio`
    python3 samples/python/plain_loop.py --server http   # or: start `wisca serve --port 0` and talk HTTP
"""

import argparse
import logging

import torch

from tiny_llama import TinyLlama
from wisca.torch import WiscaHook


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", default=None,
                        help="a wisca serve URL, 'http' to start one, or nothing to spawn `wisca serve --stdio`")
    parser.add_argument("--steps", type=int, default=200)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")  # the hook logs each rescale to logger "wisca"
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
                print("step %d loss %.4f: %d sites, worst imbalance %.3f -> %.3g bits, %.3f s" % (
                    step, loss.item(), len(report["sites"]), report["worst_imbalance_before"],
                    report["worst_imbalance_after"], report["seconds"]))


if __name__ == "__main__":
    main()
