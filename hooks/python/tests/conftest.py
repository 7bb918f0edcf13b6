"""Shared fixtures: the engine the hook talks to, tiny Hugging Face Llamas, and the package on the path.

The engine is ``$WISCA_SERVER`` (a URL) when set, else the command in ``$WISCA_SERVE_COMMAND`` (split
on spaces), else ``wisca serve --stdio`` found the way the package finds it (this checkout's bin/wisca).
"""

import os
import shlex
import sys

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.join(os.path.dirname(HERE), "src")
if SRC not in sys.path:  # the tests run from the source tree: no install into the shared environment
    sys.path.insert(0, SRC)
REPO = os.path.abspath(os.path.join(HERE, "..", "..", ".."))

import torch  # noqa: E402


class SharedTransport:
    """One engine for the whole test session (a JVM start per hook would dominate the run); hooks' close() keeps it."""

    def __init__(self):
        self._transport = None

    def call(self, op, request):
        if self._transport is None:
            from wisca.transport import connect
            spec = None
            if os.environ.get("WISCA_SERVER"):
                spec = os.environ["WISCA_SERVER"]
            elif os.environ.get("WISCA_SERVE_COMMAND"):
                spec = shlex.split(os.environ["WISCA_SERVE_COMMAND"])
            self._transport = connect(spec)
        return self._transport.call(op, request)

    def close(self):
        pass

    def shutdown(self):
        if self._transport is not None:
            self._transport.close()
            self._transport = None


SHARED = SharedTransport()


def server_option():
    return SHARED


def pytest_sessionfinish(session, exitstatus):
    SHARED.shutdown()


def tiny_llama(seed, layers=2, hidden=32, heads=4, kv_heads=2, inter=48, vocab=64, randomize_norms=True):
    """A random LlamaForCausalLM (GQA); norm gains away from 1 so that a wrong norm fold shows."""
    from transformers import LlamaConfig, LlamaForCausalLM
    torch.manual_seed(seed)
    config = LlamaConfig(hidden_size=hidden, intermediate_size=inter, num_hidden_layers=layers,
                         num_attention_heads=heads, num_key_value_heads=kv_heads, vocab_size=vocab,
                         tie_word_embeddings=False)
    model = LlamaForCausalLM(config).eval()
    if randomize_norms:
        g = torch.Generator().manual_seed(seed + 1000)
        with torch.no_grad():
            for name, p in model.named_parameters():
                if name.endswith("norm.weight"):
                    p.copy_(0.5 + torch.rand(p.shape, generator=g))
    return model


def token_batch(seed, vocab=64, batch=4, length=12):
    return torch.randint(0, vocab, (batch, length), generator=torch.Generator().manual_seed(seed))


def logits(model, ids):
    with torch.no_grad():
        return model(input_ids=ids).logits.double()


def assert_same_outputs(before, after, rtol=1e-5):
    scale = before.abs().max().item()
    diff = (before - after).abs().max().item()
    assert diff < rtol * scale, "outputs moved by %g (scale %g)" % (diff, scale)


def l1(model, name):
    return dict(model.named_parameters())[name].detach().double().abs().sum().item()
