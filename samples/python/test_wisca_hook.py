"""Tests of wisca_hook.py against a real wisca engine.

The engine is ``$WISCA_SERVER`` (a URL) when set, else the command in ``$WISCA_SERVE_COMMAND``
(split on spaces), else ``bin/wisca serve --stdio``. Run: ``python3 -m unittest test_wisca_hook``.
"""

import os
import shlex
import sys
import unittest

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from tiny_llama import TinyLlama  # noqa: E402
from wisca_hook import WiscaError, WiscaHook  # noqa: E402


def server():
    if os.environ.get("WISCA_SERVER"):
        return os.environ["WISCA_SERVER"]
    if os.environ.get("WISCA_SERVE_COMMAND"):
        return shlex.split(os.environ["WISCA_SERVE_COMMAND"])
    return None


def model_and_batch(seed):
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(seed)
    model = TinyLlama()
    model.randomize_norms(g)
    ids = torch.randint(0, model.config["vocab_size"], (4, 12), generator=g)
    return model, ids


def loss_of(model, ids):
    logits = model(ids[:, :-1])
    return torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), ids[:, 1:].reshape(-1))


def l1(model, name):
    return dict(model.named_parameters())[name].detach().double().abs().sum().item()


class WiscaHookTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = server()

    def hook(self, model, optimizer=None, **options):
        hook = WiscaHook(model, optimizer, server=self.server, **options)
        self.addCleanup(hook.close)
        return hook

    def assert_same_outputs(self, before, after):
        scale = before.abs().max().item()
        diff = (before - after).abs().max().item()
        self.assertLess(diff, 1e-5 * scale, "outputs moved by %g (scale %g)" % (diff, scale))

    def test_outputs_unchanged_and_weights_moved_for_every_pair(self):
        model, ids = model_and_batch(1)
        weights = {n: p.detach().clone() for n, p in model.named_parameters()}
        with torch.no_grad():
            before = model(ids)
        hook = self.hook(model, pairs=("qk", "vo", "updown", "norm"), granularity="channel")
        report = hook.apply(0)
        with torch.no_grad():
            after = model(ids)
        self.assert_same_outputs(before, after)
        self.assertEqual(2 + 2 + 2 + 5, len(report["sites"]))
        moved = [n for n, p in model.named_parameters() if not torch.equal(p.detach(), weights[n])]
        for name in ("model.layers.0.self_attn.q_proj.weight", "model.layers.1.mlp.down_proj.weight",
                     "model.layers.0.input_layernorm.weight", "lm_head.weight"):
            self.assertIn(name, moved)
        self.assertNotIn("model.embed_tokens.weight", moved)
        # folded norms: every gain is now exactly 1 (fold mode, f32 weights: s = gain)
        gain = dict(model.named_parameters())["model.layers.1.post_attention_layernorm.weight"].detach()
        self.assertTrue(torch.allclose(gain, torch.ones_like(gain), atol=1e-6), gain)

    def test_balance_holds_in_tensor_mode(self):
        model, ids = model_and_batch(2)
        for layer in range(2):
            q, k = ("model.layers.%d.self_attn.%s_proj.weight" % (layer, x) for x in "qk")
            self.assertGreater(abs(l1(model, q) / l1(model, k) - 1), 0.1, "GQA: q has twice k's entries")
        with torch.no_grad():
            before = model(ids)
        self.hook(model).apply(0)
        with torch.no_grad():
            self.assert_same_outputs(before, model(ids))
        for layer in range(2):
            name = "model.layers.%d.self_attn.%s_proj.weight"
            self.assertAlmostEqual(l1(model, name % (layer, "q")) / l1(model, name % (layer, "k")), 1.0, delta=1e-6)
            self.assertAlmostEqual(l1(model, name % (layer, "v")) / l1(model, name % (layer, "o")), 1.0, delta=1e-6)

    def test_adam_moments_follow_the_weights(self):
        model, ids = model_and_batch(3)
        opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
        for _ in range(3):
            loss_of(model, ids).backward()
            opt.step()
            opt.zero_grad()
        params = dict(model.named_parameters())
        q, o = params["model.layers.0.self_attn.q_proj.weight"], params["model.layers.1.self_attn.o_proj.weight"]
        saved = {n: (p.detach().double().clone(), opt.state[p]["exp_avg"].double().clone(),
                     opt.state[p]["exp_avg_sq"].double().clone()) for n, p in (("q", q), ("o", o))}
        self.hook(model, opt).apply(3)
        for n, p in (("q", q), ("o", o)):
            w0, m0, v0 = saved[n]
            s = (p.detach().double() / w0).median().item()  # the tensor-wise scale
            self.assertGreater(abs(s - 1), 1e-3)
            self.assertTrue(torch.allclose(opt.state[p]["exp_avg"].double(), m0 / s, rtol=1e-6, atol=0), n)
            self.assertTrue(torch.allclose(opt.state[p]["exp_avg_sq"].double(), v0 / (s * s), rtol=1e-6, atol=0), n)

    def test_training_continues_with_the_hook(self):
        model, ids = model_and_batch(4)
        opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
        hook = self.hook(model, opt, every=2, at_init=True, pairs=("qk", "vo", "updown"))
        self.assertIsNotNone(hook.step(0))
        losses = []
        for step in range(1, 13):
            loss = loss_of(model, ids)
            losses.append(loss.item())
            loss.backward()
            opt.step()
            opt.zero_grad()
            with torch.no_grad():
                before = model(ids)
            report = hook.step(step)
            self.assertEqual(step % 2 == 0, report is not None)
            if report is not None:
                with torch.no_grad():
                    self.assert_same_outputs(before, model(ids))
        self.assertLess(losses[-1], losses[0] * 0.9, losses)
        self.assertTrue(all(torch.isfinite(p).all() for p in model.parameters()))

    def test_engine_errors_are_raised_with_their_kind(self):
        model, _ = model_and_batch(5)
        config = dict(model.config, num_attention_heads=3)
        with self.assertRaises(WiscaError) as caught:
            self.hook(model, config=config).apply(0)
        self.assertNotEqual("IO", caught.exception.kind)
        with self.assertRaises(WiscaError) as caught:
            self.hook(model, pairs=("qk", "sideways")).apply(0)
        self.assertIn("sideways", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
