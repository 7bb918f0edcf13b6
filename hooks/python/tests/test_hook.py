"""WiscaHook on a single process against the real engine: outputs kept, balance reached, Adam moments follow."""

import pytest
import torch

from conftest import assert_same_outputs, l1, logits, server_option, tiny_llama, token_batch
from wisca.errors import WiscaError
from wisca.torch import WiscaHook, strip_wrappers

ATTN = "model.layers.%d.self_attn.%s_proj.weight"


@pytest.fixture
def make_hook(request):
    def make(model, optimizer=None, **options):
        options.setdefault("server", server_option())
        hook = WiscaHook(model, optimizer, **options)
        request.addfinalizer(hook.close)
        return hook
    return make


def train(model, ids, steps, lr=1e-2):
    opt = torch.optim.AdamW(model.parameters(), lr=lr)
    model.train()
    for _ in range(steps):
        model(input_ids=ids, labels=ids).loss.backward()
        opt.step()
        opt.zero_grad()
    model.eval()
    return opt


def test_outputs_unchanged_and_weights_moved_for_every_pair(make_hook):
    model, ids = tiny_llama(1), token_batch(1)
    weights = {n: p.detach().clone() for n, p in model.named_parameters()}
    before = logits(model, ids)
    report = make_hook(model, pairs=("qk", "vo", "updown", "norm"), granularity="channel").apply(0)
    assert_same_outputs(before, logits(model, ids))
    assert len(report["sites"]) == 2 + 2 + 2 + 5
    moved = {n for n, p in model.named_parameters() if not torch.equal(p.detach(), weights[n])}
    for name in ("model.layers.0.self_attn.q_proj.weight", "model.layers.1.mlp.down_proj.weight",
                 "model.layers.0.input_layernorm.weight", "lm_head.weight"):
        assert name in moved
    assert "model.embed_tokens.weight" not in moved
    gain = dict(model.named_parameters())["model.layers.1.post_attention_layernorm.weight"].detach()
    assert torch.allclose(gain, torch.ones_like(gain), atol=1e-6), "folded norms are exactly 1 (f32: s = gain)"
    assert report["worst_imbalance_before"] > report["worst_imbalance_after"]
    assert report["seconds"] > 0


def test_balance_holds_in_tensor_mode(make_hook):
    model, ids = tiny_llama(2), token_batch(2)
    for layer in range(2):
        assert abs(l1(model, ATTN % (layer, "q")) / l1(model, ATTN % (layer, "k")) - 1) > 0.1, "GQA: q has 2x k's entries"
    before = logits(model, ids)
    make_hook(model).apply(0)
    assert_same_outputs(before, logits(model, ids))
    for layer in range(2):
        assert l1(model, ATTN % (layer, "q")) / l1(model, ATTN % (layer, "k")) == pytest.approx(1.0, abs=1e-6)
        assert l1(model, ATTN % (layer, "v")) / l1(model, ATTN % (layer, "o")) == pytest.approx(1.0, abs=1e-6)


def test_adam_moments_follow_the_weights(make_hook):
    model, ids = tiny_llama(3), token_batch(3)
    opt = train(model, ids, 3)
    params = dict(model.named_parameters())
    q, o = params[ATTN % (0, "q")], params[ATTN % (1, "o")]
    saved = {n: (p.detach().double().clone(), opt.state[p]["exp_avg"].double().clone(),
                 opt.state[p]["exp_avg_sq"].double().clone()) for n, p in (("q", q), ("o", o))}
    make_hook(model, opt).apply(3)
    for n, p in (("q", q), ("o", o)):
        w0, m0, v0 = saved[n]
        s = (p.detach().double() / w0).median().item()  # the tensor-wise scale
        assert abs(s - 1) > 1e-3
        assert torch.allclose(opt.state[p]["exp_avg"].double(), m0 / s, rtol=1e-6, atol=0), n
        assert torch.allclose(opt.state[p]["exp_avg_sq"].double(), v0 / (s * s), rtol=1e-6, atol=0), n


def test_training_continues_with_the_hook(make_hook):
    model, ids = tiny_llama(4), token_batch(4)
    opt = torch.optim.AdamW(model.parameters(), lr=3e-3)
    hook = make_hook(model, opt, every=2, at_init=True, pairs=("qk", "vo", "updown"))
    assert hook.step(0) is not None
    losses = []
    for step in range(1, 13):
        model.train()
        loss = model(input_ids=ids, labels=ids).loss
        losses.append(loss.item())
        loss.backward()
        opt.step()
        opt.zero_grad()
        model.eval()
        before = logits(model, ids)
        report = hook.step(step)
        assert (step % 2 == 0) == (report is not None)
        if report is not None:
            assert_same_outputs(before, logits(model, ids))
    assert losses[-1] < losses[0] * 0.9, losses
    assert hook.rescales == 7
    assert all(torch.isfinite(p).all() for p in model.parameters())


def test_engine_errors_are_raised_with_their_kind(make_hook):
    model = tiny_llama(5)
    config = dict(model.config.to_dict(), num_attention_heads=3)
    with pytest.raises(WiscaError) as caught:
        make_hook(model, config=config).apply(0)
    assert caught.value.kind != "IO"
    with pytest.raises(WiscaError) as caught:
        make_hook(model, pairs=("qk", "sideways")).apply(0)
    assert "sideways" in str(caught.value)


def test_wrapper_prefixes_are_removed():
    assert strip_wrappers("module._orig_mod.model.layers.0.mlp.up_proj.weight") == "model.layers.0.mlp.up_proj.weight"
    assert strip_wrappers("model.layers.0._fsdp_wrapped_module._checkpoint_wrapped_module.mlp.up_proj.weight") \
        == "model.layers.0.mlp.up_proj.weight"
    assert strip_wrappers("base_model.model.model.layers.0.module.weight") == "base_model.model.model.layers.0.module.weight"


def test_ddp_wrapped_names_bind_like_the_model(make_hook):
    class Wrapper(torch.nn.Module):  # what DistributedDataParallel looks like to named_parameters()
        def __init__(self, module):
            super().__init__()
            self.module = module
            self.config = module.config
    model, ids = tiny_llama(9), token_batch(9)
    before = logits(model, ids)
    report = make_hook(Wrapper(model)).apply(0)
    assert ATTN % (0, "q") in report["tensors"]
    assert_same_outputs(before, logits(model, ids))
