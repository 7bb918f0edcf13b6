"""Writes tiny, randomly initialised Hugging Face checkpoints with transformers itself (save_pretrained),
so tests bind wisca's specs to the tensor names transformers really writes.

usage: hf_checkpoint.py OUT FAMILY[,FAMILY...] [--extra NAME ...] [--model-type TYPE]

Each family goes to OUT/FAMILY (config.json + model.safetensors). --extra adds float32 tensors of
shape [4] under those names (as old writers saved buffers, or a foreign tensor); --model-type
rewrites config.json's model_type (a llama under another name).
"""

import argparse
import json
import os

import torch
from safetensors.torch import load_file, save_file
from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForMaskedLM

SMALL = dict(hidden_size=32, num_attention_heads=4, num_key_value_heads=2, num_hidden_layers=2,
             intermediate_size=48, vocab_size=64, pad_token_id=0, bos_token_id=1, eos_token_id=2)
# encoders are written as their masked-LM model (BertForMaskedLM: bert. prefix, cls.predictions head)
ENCODERS = {"bert": AutoModelForMaskedLM, "roberta": AutoModelForMaskedLM}
MOE = dict(num_experts=4, num_local_experts=4, moe_intermediate_size=16, shared_expert_intermediate_size=24,
           num_experts_per_tok=2)


def config(family):
    if family == "gpt2":
        kw = dict(n_embd=32, n_head=4, n_layer=2, vocab_size=64, n_positions=64, bos_token_id=1, eos_token_id=2)
    else:
        kw = dict(SMALL)
        if "moe" in family or family == "mixtral":
            kw.update(MOE)
        if family == "gpt_oss":
            kw.update(MOE, head_dim=8)
        if family == "deepseek_v3":
            kw.update(MOE, num_key_value_heads=4, n_routed_experts=4, n_group=2, topk_group=1, first_k_dense_replace=1, kv_lora_rank=16, q_lora_rank=24, qk_rope_head_dim=8, qk_nope_head_dim=8, v_head_dim=8)
        if family == "llama4_text":
            # MoE in layers 1 and 3 (dense intermediate_size_mlp in 0 and 2), layer 3 without RoPE
            kw.update(num_hidden_layers=4, head_dim=8, intermediate_size=16, intermediate_size_mlp=48, num_local_experts=4,
                      num_experts_per_tok=2, interleave_moe_layer_step=2, attention_chunk_size=4)
    return AutoConfig.for_model(family, **kw)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("out")
    p.add_argument("families")
    p.add_argument("--extra", nargs="*", default=[])
    p.add_argument("--model-type")
    a = p.parse_args()
    for family in a.families.split(","):
        torch.manual_seed(0)
        folder = os.path.join(a.out, family)
        ENCODERS.get(family, AutoModelForCausalLM).from_config(config(family)).save_pretrained(folder)
        weights = os.path.join(folder, "model.safetensors")
        if a.extra:
            tensors = load_file(weights)
            for name in a.extra:
                tensors[name] = torch.zeros(4)
            save_file(tensors, weights, metadata={"format": "pt"})
        if a.model_type:
            path = os.path.join(folder, "config.json")
            with open(path) as f:
                cfg = json.load(f)
            cfg["model_type"] = a.model_type
            with open(path, "w") as f:
                json.dump(cfg, f, indent=2)
        print(folder)


if __name__ == "__main__":
    main()
