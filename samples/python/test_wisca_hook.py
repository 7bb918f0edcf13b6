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


ADAPTER_CONFIG = {"peft_type": "LORA", "r": 4, "lora_alpha": 8, "use_rslora": False, "use_dora": False,
                  "target_modules": ["q_proj", "v_proj", "up_proj"], "rank_pattern": {"v_proj": 2}, "alpha_pattern": {}}


class LoraLinear(torch.nn.Module):
    """PEFT's LoRA Linear layer as far as names and arithmetic go: a frozen base layer plus
    ``scaling * B(A(x))``, the factors in ModuleDicts keyed by the adapter's name."""

    def __init__(self, fan_in, fan_out, rank, generator):
        super().__init__()
        self.base_layer = torch.nn.Linear(fan_in, fan_out, bias=False)
        self.base_layer.weight.requires_grad_(False)
        self.lora_A = torch.nn.ModuleDict({"default": torch.nn.Linear(fan_in, rank, bias=False)})
        self.lora_B = torch.nn.ModuleDict({"default": torch.nn.Linear(rank, fan_out, bias=False)})
        with torch.no_grad():  # unlike PEFT's B = 0 start, both sides random: a trained adapter
            self.lora_A["default"].weight.copy_(torch.randn(rank, fan_in, generator=generator) * 0.5)
            self.lora_B["default"].weight.copy_(torch.randn(fan_out, rank, generator=generator) * 0.05)
        self.scaling = ADAPTER_CONFIG["lora_alpha"] / rank

    def forward(self, x):
        return self.base_layer(x) + self.lora_B["default"](self.lora_A["default"](x)) * self.scaling

    def delta(self):
        return self.lora_B["default"].weight.detach().double() @ self.lora_A["default"].weight.detach().double()


class PeftLikeModel(torch.nn.Module):
    """Named like ``get_peft_model(LlamaForCausalLM)``: base_model.model.model.layers.N.<module>."""

    def __init__(self, seed, layers=2, hidden=16, intermediate=24):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        blocks = torch.nn.ModuleList()
        for _ in range(layers):
            attn = torch.nn.Module()
            attn.q_proj = LoraLinear(hidden, hidden, 4, g)
            attn.v_proj = LoraLinear(hidden, hidden, 2, g)
            mlp = torch.nn.Module()
            mlp.up_proj = LoraLinear(hidden, intermediate, 4, g)
            block = torch.nn.Module()
            block.self_attn, block.mlp = attn, mlp
            blocks.append(block)
        inner = torch.nn.Module()
        inner.layers = blocks
        causal = torch.nn.Module()
        causal.model = inner
        self.base_model = torch.nn.Module()
        self.base_model.model = causal
        self.hidden = hidden

    def adapted(self):
        return {n: m for n, m in self.named_modules() if isinstance(m, LoraLinear)}

    def loss(self, x):
        return sum((m(x) ** 2).mean() for m in self.adapted().values())


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

    def test_lora_adapter_is_balanced_per_rank_with_every_product_and_moment_kept(self):
        model = PeftLikeModel(6)
        x = torch.randn(8, model.hidden, generator=torch.Generator().manual_seed(7))
        opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
        for _ in range(3):
            model.loss(x).backward()
            opt.step()
            opt.zero_grad()
        modules = model.adapted()
        saved = {}
        for name, m in modules.items():
            a, b = m.lora_A["default"].weight, m.lora_B["default"].weight
            saved[name] = (m.delta(), m.base_layer.weight.detach().clone(),
                           [(p.detach().double().clone(), opt.state[p]["exp_avg"].double().clone(),
                             opt.state[p]["exp_avg_sq"].double().clone()) for p in (a, b)])
        with torch.no_grad():
            before = [m(x) for m in modules.values()]
        report = self.hook(model, opt, pairs=("lora",), adapter_config=ADAPTER_CONFIG).apply(3)
        self.assertEqual(len(modules), len(report["sites"]))
        self.assertEqual(2 * len(modules), len(report["tensors"]))
        self.assertIn("base_model.model.model.layers.1.mlp.up_proj.lora_B.default.weight", report["tensors"])
        with torch.no_grad():
            for b0, m in zip(before, modules.values()):
                self.assert_same_outputs(b0, m(x))
        moved = 0
        for name, m in modules.items():
            delta0, base0, ((a0, ma0, va0), (b0, mb0, vb0)) = saved[name]
            a, b = m.lora_A["default"].weight, m.lora_B["default"].weight
            self.assertTrue(torch.equal(m.base_layer.weight, base0), name + ": the frozen base moved")
            self.assertLess((m.delta() - delta0).abs().max().item(), 1e-5 * delta0.abs().max().item(), name + ": BA changed")
            a1, b1 = a.detach().double(), b.detach().double()
            self.assertTrue(torch.allclose(a1.abs().sum(1), b1.abs().sum(0), rtol=1e-5, atol=0),
                            "%s: per rank, L1 of A's row and of B's column must agree" % name)
            s = (a1 / a0).median(dim=1).values  # the per-rank scale
            moved += int(((s - 1).abs() > 1e-3).sum().item())
            self.assertTrue(torch.allclose(b1, b0 / s[None, :], rtol=1e-6, atol=1e-12), name)
            self.assertTrue(torch.allclose(opt.state[a]["exp_avg"].double(), ma0 / s[:, None], rtol=1e-6, atol=0), name)
            self.assertTrue(torch.allclose(opt.state[a]["exp_avg_sq"].double(), va0 / (s * s)[:, None], rtol=1e-6, atol=0), name)
            self.assertTrue(torch.allclose(opt.state[b]["exp_avg"].double(), mb0 * s[None, :], rtol=1e-6, atol=0), name)
            self.assertTrue(torch.allclose(opt.state[b]["exp_avg_sq"].double(), vb0 * (s * s)[None, :], rtol=1e-6, atol=0), name)
        self.assertGreater(moved, len(modules), "the adapter started unbalanced, so most ranks were scaled")

    def test_lora_adapter_refuses_architecture_pairs(self):
        with self.assertRaises(WiscaError) as caught:
            self.hook(PeftLikeModel(8), pairs=("qk", "lora"), adapter_config=ADAPTER_CONFIG).apply(0)
        self.assertEqual("InvalidArgument", caught.exception.kind)


if __name__ == "__main__":
    unittest.main()
