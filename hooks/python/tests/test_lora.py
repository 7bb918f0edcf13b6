"""WiscaHook on a real PEFT LoRA model: per rank A·s, B/s, every B·A and the moments kept, the base untouched."""

import pytest
import torch

from conftest import assert_same_outputs, logits, server_option, tiny_llama, token_batch
from wisca.errors import WiscaError
from wisca.torch import WiscaHook


def peft_model(seed):
    from peft import LoraConfig, get_peft_model
    config = LoraConfig(r=4, lora_alpha=8, target_modules=["q_proj", "v_proj", "up_proj"], rank_pattern={"v_proj": 2})
    model = get_peft_model(tiny_llama(seed), config)
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():  # unlike PEFT's B = 0 start, both sides random: a trained adapter
        for name, p in model.named_parameters():
            if "lora_A" in name:
                p.copy_(torch.randn(p.shape, generator=g) * 0.5)
            elif "lora_B" in name:
                p.copy_(torch.randn(p.shape, generator=g) * 0.05)
    return model, config


def lora_modules(model):
    return {n: m for n, m in model.named_modules() if hasattr(m, "lora_A") and "default" in getattr(m, "lora_A", {})}


def test_lora_adapter_is_balanced_per_rank_with_every_product_and_moment_kept():
    model, config = peft_model(6)
    ids = token_batch(6)
    opt = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=1e-2)
    for _ in range(3):
        model(input_ids=ids, labels=ids).loss.backward()
        opt.step()
        opt.zero_grad()
    modules = lora_modules(model)
    assert len(modules) == 6
    saved = {}
    for name, m in modules.items():
        a, b = m.lora_A["default"].weight, m.lora_B["default"].weight
        saved[name] = (b.detach().double() @ a.detach().double(), m.base_layer.weight.detach().clone(),
                       [(p.detach().double().clone(), opt.state[p]["exp_avg"].double().clone(),
                         opt.state[p]["exp_avg_sq"].double().clone()) for p in (a, b)])
    before = logits(model, ids)
    with WiscaHook(model, opt, adapter_config=config, server=server_option()) as hook:
        report = hook.apply(3)
    assert len(report["sites"]) == len(modules)
    assert len(report["tensors"]) == 2 * len(modules)
    assert "base_model.model.model.layers.1.mlp.up_proj.lora_B.default.weight" in report["tensors"]
    assert_same_outputs(before, logits(model, ids))
    moved = 0
    for name, m in modules.items():
        delta0, base0, ((a0, ma0, va0), (b0, mb0, vb0)) = saved[name]
        a, b = m.lora_A["default"].weight, m.lora_B["default"].weight
        assert torch.equal(m.base_layer.weight, base0), name + ": the frozen base moved"
        delta = b.detach().double() @ a.detach().double()
        assert (delta - delta0).abs().max().item() < 1e-5 * delta0.abs().max().item(), name + ": BA changed"
        a1, b1 = a.detach().double(), b.detach().double()
        assert torch.allclose(a1.abs().sum(1), b1.abs().sum(0), rtol=1e-5, atol=0), name + ": L1 of A_i and B_i differ"
        s = (a1 / a0).median(dim=1).values  # the per-rank scale
        moved += int(((s - 1).abs() > 1e-3).sum().item())
        assert torch.allclose(b1, b0 / s[None, :], rtol=1e-6, atol=1e-12), name
        assert torch.allclose(opt.state[a]["exp_avg"].double(), ma0 / s[:, None], rtol=1e-6, atol=0), name
        assert torch.allclose(opt.state[a]["exp_avg_sq"].double(), va0 / (s * s)[:, None], rtol=1e-6, atol=0), name
        assert torch.allclose(opt.state[b]["exp_avg"].double(), mb0 * s[None, :], rtol=1e-6, atol=0), name
        assert torch.allclose(opt.state[b]["exp_avg_sq"].double(), vb0 * (s * s)[None, :], rtol=1e-6, atol=0), name
    assert moved > len(modules), "the adapter started unbalanced, so most ranks were scaled"


def test_lora_adapter_refuses_architecture_pairs():
    model, config = peft_model(8)
    with WiscaHook(model, pairs=("qk", "lora"), adapter_config=config, server=server_option()) as hook:
        with pytest.raises(WiscaError) as caught:
            hook.apply(0)
    assert caught.value.kind == "InvalidArgument"
