"""Writes tiny, randomly initialised Hugging Face checkpoints with transformers itself (save_pretrained),
so tests bind wisca's specs to the tensor names transformers really writes.

usage: hf_checkpoint.py OUT FAMILY[,FAMILY...] [--extra NAME ...] [--model-type TYPE]

Each family goes to OUT/FAMILY (config.json + model.safetensors); a name of VARIANTS instead builds that
variant of a family (another config or task model) into OUT/NAME. --extra adds float32 tensors of
shape [4] under those names (as old writers saved buffers, or a foreign tensor); --model-type
rewrites config.json's model_type (a llama under another name).
"""

import argparse
import json
import os

import torch
import transformers
from safetensors.torch import load_file, save_file
from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForMaskedLM

SMALL = dict(hidden_size=32, num_attention_heads=4, num_key_value_heads=2, num_hidden_layers=2,
             intermediate_size=48, vocab_size=64, pad_token_id=0, bos_token_id=1, eos_token_id=2)
# encoders are written as their masked-LM model (BertForMaskedLM: bert. prefix, cls.predictions head)
ENCODERS = {"bert": AutoModelForMaskedLM, "roberta": AutoModelForMaskedLM}
MOE = dict(num_experts=4, num_local_experts=4, moe_intermediate_size=16, shared_expert_intermediate_size=24,
           num_experts_per_tok=2)

# name -> (family, config overrides, model class name, stored LayerNorm names as before transformers 4: gamma/beta)
VARIANTS = {
    "stablelm_qk_layernorm": ("stablelm", dict(qk_layernorm=True), "StableLmForCausalLM", False),
    "bert_pretraining": ("bert", {}, "BertForPreTraining", False),
    "bert_sequence_classification": ("bert", dict(num_labels=3), "BertForSequenceClassification", False),
    "bert_legacy_gamma_beta": ("bert", {}, "BertForPreTraining", True),
    "roberta_sequence_classification": ("roberta", dict(num_labels=2), "RobertaForSequenceClassification", False),
    "roberta_token_classification": ("roberta", dict(num_labels=3), "RobertaForTokenClassification", False),
    "bert_question_answering": ("bert", {}, "BertForQuestionAnswering", False),
    "qwen2_moe_sparse_step": ("qwen2_moe", dict(decoder_sparse_step=2), "Qwen2MoeForCausalLM", False),
    "qwen3_moe_mlp_only_layers": ("qwen3_moe", dict(mlp_only_layers=[1]), "Qwen3MoeForCausalLM", False),
}


def legacy_layernorm_names(weights):
    """Renames LayerNorm.weight/.bias to .gamma/.beta, as checkpoints written before transformers 4 (bert-base-uncased) hold them."""
    tensors = load_file(weights)
    renamed = {n.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta"): t for n, t in tensors.items()}
    save_file(renamed, weights, metadata={"format": "pt"})


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
        weights = os.path.join(folder, "model.safetensors")
        if family in VARIANTS:
            base, overrides, model_class, legacy = VARIANTS[family]
            cfg = config(base)
            for k, v in overrides.items():
                setattr(cfg, k, v)
            getattr(transformers, model_class)(cfg).save_pretrained(folder)
            if legacy:
                legacy_layernorm_names(weights)
        else:
            ENCODERS.get(family, AutoModelForCausalLM).from_config(config(family)).save_pretrained(folder)
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
