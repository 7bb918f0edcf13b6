"""The outside judge of wisca's rescaling: transformers itself.

A long-lived process driven by TransformersOracleTest (one JSON request per stdin line, one JSON
answer per stdout line; everything else goes to stderr). It builds tiny random checkpoints of every
family with transformers' own classes and save_pretrained, then judges wisca's outputs by loading them
back strictly (no missing, unexpected or mismatched keys) and comparing transformers' float64 forward
pass with the original's.

Requests ("op" plus arguments, all paths absolute):
  families                          -> {"families": {model_type: [variant, ...]}, "adapters": [...]}
  build  family variant dtype [shard] [fused] out tokens seed   (fused: in-memory tensor names, see below)
                                    -> {"logits": [[[...]]], "tensors": n, "files": n}
  check  original rescaled touched [corrupt]
                                    -> {"max_abs_diff", "max_abs", "missing", "unexpected", "mismatched",
                                        "changed_untouched", "key_diff"}
  build_lora family variant out base tokens seed    (base: a folder made by build)
  check_lora base original rescaled touched [corrupt]
  quit
For encoders (ENCODERS) "logits" is the last_hidden_state of the stored architecture's base model
(token type ids zero, attention mask all ones), loaded strictly with its task head. Logits are those of the checkpoint as stored (the original is reloaded from disk in float64, so storage
rounding is part of both sides). With "corrupt", one touched tensor's first row is doubled before the
forward pass: the judge must then see a difference (a negative control).
"""
import json
import math
import os
import sys
import traceback

import torch
import transformers
from safetensors import safe_open

torch.set_num_threads(1)
transformers.logging.set_verbosity_error()

TINY = dict(vocab_size=64, hidden_size=32, num_hidden_layers=2, num_attention_heads=4, max_position_embeddings=128)


def llama_like(**extra):
    kw = dict(TINY, intermediate_size=48, num_key_value_heads=2, rms_norm_eps=1e-6, tie_word_embeddings=False)
    kw.update(extra)
    return kw


# model_type -> variant -> (config class name, model class name, kwargs). Every built-in spec needs an
# entry: TransformersOracleTest fails for a family the oracle cannot build.
FAMILIES = {
    "llama": {
        "default": ("LlamaConfig", "LlamaForCausalLM", llama_like()),
        "bias_tied_llama3": ("LlamaConfig", "LlamaForCausalLM", llama_like(
            attention_bias=True, mlp_bias=False, tie_word_embeddings=True, num_key_value_heads=1,
            rope_parameters={"rope_type": "llama3", "rope_theta": 10000.0, "factor": 8.0, "low_freq_factor": 1.0,
                             "high_freq_factor": 4.0, "original_max_position_embeddings": 16})),
        "linear_rope": ("LlamaConfig", "LlamaForCausalLM", llama_like(
            rope_parameters={"rope_type": "linear", "rope_theta": 500.0, "factor": 4.0})),
        "dynamic_rope": ("LlamaConfig", "LlamaForCausalLM", llama_like(max_position_embeddings=8,
            rope_parameters={"rope_type": "dynamic", "rope_theta": 10000.0, "factor": 2.0})),
        "yarn_rope": ("LlamaConfig", "LlamaForCausalLM", llama_like(
            rope_parameters={"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0, "original_max_position_embeddings": 32})),
        # the oracle's 12-token sequences exceed an original context of 8 (long factors) but not one of 16 (short)
        "longrope_long": ("LlamaConfig", "LlamaForCausalLM", llama_like(max_position_embeddings=64,
            rope_parameters={"rope_type": "longrope", "rope_theta": 10000.0, "original_max_position_embeddings": 8,
                             "short_factor": [1.0 + 0.1 * i for i in range(4)], "long_factor": [1.0 + 0.5 * i for i in range(4)]})),
        "longrope_short": ("LlamaConfig", "LlamaForCausalLM", llama_like(max_position_embeddings=64,
            rope_parameters={"rope_type": "longrope", "rope_theta": 10000.0, "original_max_position_embeddings": 16,
                             "short_factor": [1.0 + 0.1 * i for i in range(4)], "long_factor": [1.0 + 0.5 * i for i in range(4)]})),
        "yarn_mscale": ("LlamaConfig", "LlamaForCausalLM", llama_like(num_key_value_heads=4,
            rope_parameters={"rope_type": "yarn", "rope_theta": 500.0, "factor": 8.0, "original_max_position_embeddings": 4,
                             "mscale": 2.0, "mscale_all_dim": 1.0, "beta_fast": 16, "beta_slow": 2, "truncate": False})),
    },
    "mistral": {
        "default": ("MistralConfig", "MistralForCausalLM", llama_like(sliding_window=4096)),
    },
    "qwen2": {
        "default": ("Qwen2Config", "Qwen2ForCausalLM", llama_like()),
    },
    "qwen3": {
        "default": ("Qwen3Config", "Qwen3ForCausalLM", llama_like(head_dim=16)),
    },
    "gemma": {
        "default": ("GemmaConfig", "GemmaForCausalLM", llama_like(head_dim=16, num_key_value_heads=1, tie_word_embeddings=True,
                                                                   hidden_activation="gelu_pytorch_tanh")),
    },
    "gemma2": {
        "default": ("Gemma2Config", "Gemma2ForCausalLM", llama_like(head_dim=16, tie_word_embeddings=True, query_pre_attn_scalar=16,
                                                                     sliding_window=4096, final_logit_softcapping=30.0,
                                                                     attn_logit_softcapping=50.0)),
    },
    "phi3": {
        "default": ("Phi3Config", "Phi3ForCausalLM", llama_like(pad_token_id=0)),
        "partial_rotary": ("Phi3Config", "Phi3ForCausalLM", llama_like(pad_token_id=0, partial_rotary_factor=0.5)),
    },
    "gpt2": {
        "default": ("GPT2Config", "GPT2LMHeadModel", dict(vocab_size=64, n_embd=32, n_layer=2, n_head=4, n_positions=64)),
    },
    "gpt_neox": {
        "default": ("GPTNeoXConfig", "GPTNeoXForCausalLM", dict(TINY, intermediate_size=64, rotary_pct=0.5, use_parallel_residual=True)),
        "sequential": ("GPTNeoXConfig", "GPTNeoXForCausalLM", dict(TINY, intermediate_size=64, rotary_pct=1.0, use_parallel_residual=False)),
    },
    "falcon": {
        "new_arch": ("FalconConfig", "FalconForCausalLM", dict(TINY, num_kv_heads=2, new_decoder_architecture=True, alibi=False, bias=True)),
        "multi_query": ("FalconConfig", "FalconForCausalLM", dict(TINY, multi_query=True, new_decoder_architecture=False,
                                                                 parallel_attn=True, alibi=False, bias=False)),
    },
    "mixtral": {
        "default": ("MixtralConfig", "MixtralForCausalLM", llama_like(num_local_experts=4, num_experts_per_tok=2, sliding_window=None)),
    },
    "qwen2_moe": {
        "default": ("Qwen2MoeConfig", "Qwen2MoeForCausalLM", llama_like(num_experts=4, num_experts_per_tok=2, moe_intermediate_size=16,
                                                                          shared_expert_intermediate_size=24, norm_topk_prob=False)),
        # decoder_sparse_step 2: layer 0 has a dense MLP (intermediate_size), layer 1 the experts and the shared expert
        "sparse_step": ("Qwen2MoeConfig", "Qwen2MoeForCausalLM", llama_like(num_experts=4, num_experts_per_tok=2, moe_intermediate_size=16,
                                                                              shared_expert_intermediate_size=24, decoder_sparse_step=2)),
    },
    "qwen3_moe": {
        "default": ("Qwen3MoeConfig", "Qwen3MoeForCausalLM", llama_like(head_dim=16, num_experts=4, num_experts_per_tok=2,
                                                                          moe_intermediate_size=16, norm_topk_prob=True)),
        # mlp_only_layers [1]: layer 1 has a dense MLP among the MoE layers
        "mlp_only_layers": ("Qwen3MoeConfig", "Qwen3MoeForCausalLM", llama_like(head_dim=16, num_experts=4, num_experts_per_tok=2,
                                                                                  moe_intermediate_size=16, mlp_only_layers=[1])),
    },
    "stablelm": {
        "default": ("StableLmConfig", "StableLmForCausalLM", dict(TINY, intermediate_size=48, num_key_value_heads=2, use_qkv_bias=True,
                                                                  partial_rotary_factor=0.5, layer_norm_eps=1e-5, tie_word_embeddings=False)),
        "parallel": ("StableLmConfig", "StableLmForCausalLM", dict(TINY, intermediate_size=48, use_parallel_residual=True, num_attention_heads=2, num_key_value_heads=2,
                                                                   partial_rotary_factor=0.25, tie_word_embeddings=False)),
        # per-head q/k LayerNorms (q_layernorm.norms.{h}): GQA 4/2 heads of 8 dims, partial rotary 0.5 (4 of 8 dims rotate)
        "qk_layernorm": ("StableLmConfig", "StableLmForCausalLM", dict(TINY, intermediate_size=48, num_key_value_heads=2, qk_layernorm=True,
                                                                       use_qkv_bias=True, partial_rotary_factor=0.5, tie_word_embeddings=False)),
    },
    "gpt_oss": {
        # windows of 4 bite the oracle's 12-token sequences; yarn as gpt-oss ships it, with a small original context
        "default": ("GptOssConfig", "GptOssForCausalLM", llama_like(head_dim=8, intermediate_size=16, num_local_experts=4,
                                                                  num_experts_per_tok=2, sliding_window=4,
                                                                  rope_parameters={"rope_type": "yarn", "rope_theta": 150000.0, "factor": 32.0,
                                                                                   "beta_fast": 32.0, "beta_slow": 1.0, "truncate": False,
                                                                                   "original_max_position_embeddings": 4})),
        "full_no_bias": ("GptOssConfig", "GptOssForCausalLM", llama_like(head_dim=16, intermediate_size=16, num_local_experts=4,
                                                                       num_experts_per_tok=1, attention_bias=False, sliding_window=4,
                                                                       layer_types=["full_attention", "sliding_attention"],
                                                                       rope_parameters={"rope_type": "default", "rope_theta": 10000.0})),
    },
    "deepseek_v3": {
        # q latent, one dense layer then MoE, 8 experts in 4 groups (2 kept), interleaved RoPE
        "default": ("DeepseekV3Config", "DeepseekV3ForCausalLM", llama_like(num_key_value_heads=4, moe_intermediate_size=16,
                                                                          n_routed_experts=8, n_shared_experts=1, num_experts_per_tok=2,
                                                                          n_group=4, topk_group=2, first_k_dense_replace=1, kv_lora_rank=16,
                                                                          q_lora_rank=24, qk_rope_head_dim=8, qk_nope_head_dim=8, v_head_dim=12,
                                                                          routed_scaling_factor=2.5, norm_topk_prob=True)),
        # q_proj (no q latent), biases, rotate_half RoPE, yarn with mscale_all_dim (scales the scores), every layer MoE
        "q_proj_yarn": ("DeepseekV3Config", "DeepseekV3ForCausalLM", llama_like(num_key_value_heads=4, moe_intermediate_size=16,
                                                                              n_routed_experts=4, n_shared_experts=2, num_experts_per_tok=2,
                                                                              n_group=1, topk_group=1, first_k_dense_replace=0, kv_lora_rank=16,
                                                                              q_lora_rank=None, qk_rope_head_dim=4, qk_nope_head_dim=6, v_head_dim=8,
                                                                              attention_bias=True, rope_interleave=False, norm_topk_prob=False,
                                                                              routed_scaling_factor=1.5,
                                                                              rope_parameters={"rope_type": "yarn", "rope_theta": 10000.0, "factor": 4.0,
                                                                                               "original_max_position_embeddings": 32, "mscale": 1.0,
                                                                                               "mscale_all_dim": 1.0})),
    },
    "starcoder2": {
        "default": ("Starcoder2Config", "Starcoder2ForCausalLM", dict(TINY, intermediate_size=48, num_key_value_heads=2, use_bias=True,
                                                                      sliding_window=4096, tie_word_embeddings=True,
                                                                      hidden_act="gelu_pytorch_tanh")),
        "untied": ("Starcoder2Config", "Starcoder2ForCausalLM", dict(TINY, intermediate_size=48, num_key_value_heads=1, use_bias=True,
                                                                     sliding_window=None, tie_word_embeddings=False, hidden_act="gelu")),
    },
    "granite": {
        "default": ("GraniteConfig", "GraniteForCausalLM", llama_like(embedding_multiplier=12.0, attention_multiplier=0.0078125,
                                                                      residual_multiplier=0.22, logits_scaling=8.0)),
        "bias_tied": ("GraniteConfig", "GraniteForCausalLM", llama_like(attention_bias=True, mlp_bias=True, tie_word_embeddings=True,
                                                                        num_key_value_heads=1, embedding_multiplier=6.0,
                                                                        attention_multiplier=0.05, residual_multiplier=0.5,
                                                                        logits_scaling=4.0)),
    },
    "phi": {
        "default": ("PhiConfig", "PhiForCausalLM", dict(TINY, intermediate_size=48, partial_rotary_factor=0.5, layer_norm_eps=1e-5,
                                                        tie_word_embeddings=False)),
        "qk_layernorm_gqa_tied": ("PhiConfig", "PhiForCausalLM", dict(TINY, intermediate_size=48, num_key_value_heads=2, qk_layernorm=True,
                                                                      partial_rotary_factor=0.75, tie_word_embeddings=True,
                                                                      hidden_act="gelu")),
    },
    "cohere": {
        "default": ("CohereConfig", "CohereForCausalLM", dict(TINY, intermediate_size=48, num_key_value_heads=2, logit_scale=0.0625,
                                                              layer_norm_eps=1e-5, tie_word_embeddings=True, pad_token_id=0,
                                                              bos_token_id=1, eos_token_id=2)),
        "qk_norm_bias_untied": ("CohereConfig", "CohereForCausalLM", dict(TINY, intermediate_size=48, num_key_value_heads=2, logit_scale=0.125,
                                                                         use_qk_norm=True, attention_bias=True, tie_word_embeddings=False,
                                                                         pad_token_id=0, bos_token_id=1, eos_token_id=2,
                                                                         rope_parameters={"rope_type": "default", "rope_theta": 10000.0})),
    },
    "olmo2": {
        "default": ("Olmo2Config", "Olmo2ForCausalLM", llama_like()),
        "bias_tied_mqa": ("Olmo2Config", "Olmo2ForCausalLM", llama_like(attention_bias=True, tie_word_embeddings=True, num_key_value_heads=1)),
    },
    # layer 0 slides (window 4 < the 12-token sequences) with its own rope base, layer 1 is full with linear scaling
    "gemma3_text": {
        "default": ("Gemma3TextConfig", "Gemma3ForCausalLM", llama_like(head_dim=16, tie_word_embeddings=True, query_pre_attn_scalar=24,
            sliding_window=4, layer_types=["sliding_attention", "full_attention"],
            rope_parameters={"sliding_attention": {"rope_type": "default", "rope_theta": 100.0},
                             "full_attention": {"rope_type": "linear", "rope_theta": 10000.0, "factor": 4.0}})),
        "softcap_untied": ("Gemma3TextConfig", "Gemma3ForCausalLM", llama_like(head_dim=8, num_key_value_heads=1, tie_word_embeddings=False,
            query_pre_attn_scalar=8, sliding_window=3, layer_types=["full_attention", "sliding_attention"], attention_bias=True,
            final_logit_softcapping=30.0, attn_logit_softcapping=50.0,
            rope_parameters={"sliding_attention": {"rope_type": "default", "rope_theta": 10000.0},
                             "full_attention": {"rope_type": "default", "rope_theta": 1000000.0}})),
    },
    # encoders: the judged output is last_hidden_state (token type ids zero, attention mask all ones); task heads pass through
    "bert": {
        "default": ("BertConfig", "BertModel", dict(TINY, intermediate_size=48, type_vocab_size=2, layer_norm_eps=1e-12, hidden_act="gelu")),
        "masked_lm": ("BertConfig", "BertForMaskedLM", dict(TINY, intermediate_size=48, layer_norm_eps=1e-5, hidden_act="gelu_new")),
        "sequence_classification": ("BertConfig", "BertForSequenceClassification", dict(TINY, intermediate_size=48, num_labels=3,
                                                                                         type_vocab_size=1)),
        # bert-base-uncased's layout: bert. prefix, cls.predictions (decoder tied to the word embeddings) and cls.seq_relationship
        "pretraining": ("BertConfig", "BertForPreTraining", dict(TINY, intermediate_size=48, type_vocab_size=2)),
        # saved with the LayerNorm names of checkpoints before transformers 4 (gamma/beta), which transformers renames on load
        "legacy_gamma_beta": ("BertConfig", "BertForPreTraining", dict(TINY, intermediate_size=48, type_vocab_size=2, hidden_act="gelu")),
        "question_answering": ("BertConfig", "BertForQuestionAnswering", dict(TINY, intermediate_size=48)),
    },
    "roberta": {
        # pad_token_id 1 is among Fixture.TOKENS: a pad token takes position padding_idx, the others count on from padding_idx + 1
        "default": ("RobertaConfig", "RobertaModel", dict(TINY, intermediate_size=48, type_vocab_size=1, layer_norm_eps=1e-5, pad_token_id=1)),
        "masked_lm": ("RobertaConfig", "RobertaForMaskedLM", dict(TINY, intermediate_size=48, layer_norm_eps=1e-5, pad_token_id=3,
                                                                  max_position_embeddings=16)),
        "sequence_classification": ("RobertaConfig", "RobertaForSequenceClassification", dict(TINY, intermediate_size=48, num_labels=2,
                                                                                               hidden_act="relu")),
        "token_classification": ("RobertaConfig", "RobertaForTokenClassification", dict(TINY, intermediate_size=48, num_labels=3)),
    },
    # 4 layers: MoE in 1 and 3 (dense intermediate_size_mlp in 0 and 2), RoPE + QK L2 norm + chunks of 4 in 0-2, layer 3
    # without RoPE, full attention, temperature tuning biting the 12-token sequences (floor_scale 2); llama3 RoPE
    "llama4_text": {
        "default": ("Llama4TextConfig", "Llama4ForCausalLM", llama_like(num_hidden_layers=4, head_dim=8, intermediate_size=16,
            intermediate_size_mlp=48, num_local_experts=4, num_experts_per_tok=2, interleave_moe_layer_step=2, attention_chunk_size=4,
            floor_scale=2, attn_scale=0.5, use_qk_norm=True,
            rope_parameters={"rope_type": "llama3", "rope_theta": 10000.0, "factor": 8.0, "low_freq_factor": 1.0,
                             "high_freq_factor": 4.0, "original_max_position_embeddings": 16})),
        # every layer MoE, no QK norm (q/k scales exact in the RoPE layer too), biases, tied, MQA, layer 0 without RoPE, chunks of 5
        "bias_tied_no_qk_norm": ("Llama4TextConfig", "Llama4ForCausalLM", llama_like(head_dim=8, intermediate_size=16, intermediate_size_mlp=40,
            num_local_experts=3, num_experts_per_tok=1, interleave_moe_layer_step=1, attention_chunk_size=5, no_rope_layers=[0, 1],
            floor_scale=4, attn_scale=0.3, use_qk_norm=False, attention_bias=True, tie_word_embeddings=True, num_key_value_heads=1,
            rope_parameters={"rope_type": "default", "rope_theta": 500.0})),
    },
}

# Variants saved with LayerNorm.gamma / LayerNorm.beta instead of .weight / .bias (old BERT checkpoints).
LEGACY_NAMES = {("bert", "legacy_gamma_beta")}

# Families whose judged output is the encoder's last_hidden_state (loaded as the stored architecture, run through its base model).
ENCODERS = {"bert", "roberta"}

# Families whose LoRA adapter is judged (PEFT's LoraConfig target modules per family).
ADAPTERS = {"llama": ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]}


def log(*args):
    print(*args, file=sys.stderr, flush=True)


def model_class(family, variant):
    config_name, model_name, kwargs = FAMILIES[family][variant]
    config = getattr(transformers, config_name)(**kwargs)
    config._attn_implementation = "eager"
    config._experts_implementation = "eager"
    return getattr(transformers, model_name), config


# Families whose activations need larger pre-activations than randomize gives for every branch to be
# reached: gpt-oss's SwiGLU clamps gate and up at 7, so its expert inputs are scaled up until the clamps bite.
AMPLIFY = {"gpt_oss": {".experts.gate_up_proj": 4.0}}


def randomize(model, seed):
    """Non-trivial values everywhere: gains in [0.5, 1.5], biases ~ 0.2·N(0,1), matrices with rows of very different norms."""
    gen = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if p.dim() == 1:
                if name.endswith("bias"):
                    p.copy_(0.2 * torch.randn(p.shape, generator=gen))
                else:
                    p.copy_(0.5 + torch.rand(p.shape, generator=gen))
            else:
                fan_in = p.shape[-1]
                values = torch.randn(p.shape, generator=gen) / math.sqrt(fan_in)
                rows = torch.exp(0.7 * torch.randn(p.shape[:-1] + (1,), generator=gen))
                p.copy_(values * rows)
        for name, b in model.named_buffers():
            if name.endswith("e_score_correction_bias"):  # DeepSeek's router bias is a buffer, saved with the weights
                b.copy_(0.2 * torch.randn(b.shape, generator=gen))
        for suffix, factor in AMPLIFY.get(model.config.model_type, {}).items():
            for name, p in model.named_parameters():
                if name.endswith(suffix):
                    p.mul_(factor)


class Float64Everywhere:
    """While active, every float32 that transformers' modeling code asks for is float64 instead.

    transformers computes norms, softmax and RoPE frequencies in float32 even in a float64 model
    (`hidden_states.to(torch.float32)`, `softmax(..., dtype=torch.float32)`, `arange(...).float()`),
    which leaves about 1e-7 relative noise; the reference comparison wants 1e-9. Models are built and
    run inside this context; buffers such as inv_freq come from a model constructed inside it.
    """
    FACTORIES = ("arange", "tensor", "zeros", "ones", "full", "empty", "linspace", "as_tensor")

    def __enter__(self):
        f32, f64 = torch.float32, torch.float64
        self.saved = {("Tensor", "to"): torch.Tensor.to, ("Tensor", "float"): torch.Tensor.float, ("Tensor", "type"): torch.Tensor.type,
                      ("F", "softmax"): torch.nn.functional.softmax}
        self.saved.update({("torch", name): getattr(torch, name) for name in self.FACTORIES})
        self.default = torch.get_default_dtype()
        swap = lambda d: f64 if d is f32 else d
        original_to, original_softmax = torch.Tensor.to, torch.nn.functional.softmax

        def to(t, *args, **kwargs):
            args = tuple(swap(a) if isinstance(a, torch.dtype) else a for a in args)
            if "dtype" in kwargs:
                kwargs["dtype"] = swap(kwargs["dtype"])
            return original_to(t, *args, **kwargs)

        def softmax(x, *args, **kwargs):
            if "dtype" in kwargs:
                kwargs["dtype"] = swap(kwargs["dtype"])
            return original_softmax(x, *args, **kwargs)

        def factory(original):
            def make(*args, **kwargs):
                if "dtype" in kwargs:
                    kwargs["dtype"] = swap(kwargs["dtype"])
                return original(*args, **kwargs)
            return make

        torch.Tensor.to = to
        torch.Tensor.float = lambda t, *a, **k: original_to(t, f64)
        original_type = torch.Tensor.type
        torch.Tensor.type = lambda t, *a, **k: original_type(t, *(swap(x) if isinstance(x, torch.dtype) else x for x in a), **k)  # DeepSeek's router
        torch.nn.functional.softmax = softmax
        for name in self.FACTORIES:
            setattr(torch, name, factory(self.saved[("torch", name)]))
        torch.set_default_dtype(f64)
        return self

    def __exit__(self, *exc):
        for (owner, name), fn in self.saved.items():
            setattr({"Tensor": torch.Tensor, "F": torch.nn.functional, "torch": torch}[owner], name, fn)
        torch.set_default_dtype(self.default)
        return False


def load(folder, dtype=torch.float64):
    """transformers' strict load; in float64 with the computed buffers (inv_freq, embed_scale) made in float64 too.
    Encoders load as the class that saved them (BertForMaskedLM …), so their heads load strictly too."""
    config = transformers.AutoConfig.from_pretrained(folder)
    loader = getattr(transformers, config.architectures[0]) if config.model_type in ENCODERS else transformers.AutoModelForCausalLM
    model, info = loader.from_pretrained(
        folder, dtype=dtype, attn_implementation="eager", experts_implementation="eager", output_loading_info=True)
    if dtype is torch.float64:
        fresh = float64_buffers(model)
        stored = set(model.state_dict())
        for name, buffer in list(model.named_buffers()):
            if name not in stored and buffer.is_floating_point():
                owner, _, attr = name.rpartition(".")
                model.get_submodule(owner).register_buffer(attr, fresh[name].to(torch.float64), persistent=False)
    model.eval()
    return model, info


BUFFERS = {}


def float64_buffers(model):
    """The buffers of a model of this class and config constructed inside Float64Everywhere (cached)."""
    key = (type(model).__name__, model.config.to_json_string())
    if key not in BUFFERS:
        with Float64Everywhere():
            BUFFERS[key] = {n: b.clone() for n, b in type(model)(model.config).named_buffers()}
    return BUFFERS[key]


def logits_of(model, tokens):
    """The judged output: logits, or an encoder's last_hidden_state (no token_type_ids: zeros; no attention_mask: all ones)."""
    with torch.no_grad(), Float64Everywhere():
        ids = torch.tensor(tokens, dtype=torch.long)
        if model.config.model_type in ENCODERS:
            return model.base_model(input_ids=ids).last_hidden_state.to(torch.float64)
        return model(input_ids=ids).logits.to(torch.float64)


def build(req):
    cls, config = model_class(req["family"], req["variant"])
    torch.manual_seed(req["seed"])
    model = cls(config)
    randomize(model, req["seed"])
    dtype = {"f32": torch.float32, "bf16": torch.bfloat16}[req["dtype"]]
    model = model.to(dtype)
    shard = req.get("shard")
    model.save_pretrained(req["out"], max_shard_size=shard) if shard else model.save_pretrained(req["out"])
    if req.get("fused"):
        save_in_memory_layout(model, req["out"])
    if (req["family"], req["variant"]) in LEGACY_NAMES:
        legacy_layernorm_names(req["out"])
    return {"logits": stored_logits(req["out"], req["tokens"]).tolist(), "files": len(os.listdir(req["out"]))}


def save_in_memory_layout(model, folder):
    """Replaces the saved weights by the model's in-memory names, as some tools store them: transformers 5
    holds MoE experts fused (mlp.experts.gate_up_proj [E, 2I, H], mlp.experts.down_proj [E, H, I]) and
    save_pretrained converts back to one tensor per expert; from_pretrained reads either."""
    from safetensors.torch import save_file
    for f in os.listdir(folder):
        if f.endswith(".safetensors") or f.endswith(".safetensors.index.json"):
            os.remove(os.path.join(folder, f))
    seen, tensors = set(), {}
    for name, t in model.state_dict().items():
        if t.data_ptr() not in seen:  # tied weights are stored once
            seen.add(t.data_ptr())
            tensors[name] = t.contiguous()
    save_file(tensors, os.path.join(folder, "model.safetensors"), metadata={"format": "pt"})


def legacy_layernorm_names(folder):
    """Renames LayerNorm.weight/.bias to .gamma/.beta in every shard and the index, as pre-transformers-4 checkpoints hold them."""
    from safetensors.torch import load_file, save_file
    rename = lambda n: n.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta")
    for f in os.listdir(folder):
        path = os.path.join(folder, f)
        if f.endswith(".safetensors"):
            save_file({rename(n): t for n, t in load_file(path).items()}, path, metadata={"format": "pt"})
        elif f.endswith(".safetensors.index.json"):
            with open(path) as fh:
                index = json.load(fh)
            index["weight_map"] = {rename(n): shard for n, shard in index["weight_map"].items()}
            with open(path, "w") as fh:
                json.dump(index, fh, indent=2)


def has_fused_experts(family, variant):
    cls, config = model_class(family, variant)
    with torch.device("meta"):
        return any(".experts.gate_up_proj" in n for n, _ in cls(config).named_parameters())


LOGITS = {}


def stored_logits(folder, tokens):
    key = (folder, json.dumps(tokens))
    if key not in LOGITS:
        model, info = load(folder)
        strict(info, folder)
        LOGITS[key] = logits_of(model, tokens)
    return LOGITS[key]


def strict(info, folder):
    bad = {k: list(info.get(k) or []) for k in ("missing_keys", "unexpected_keys", "mismatched_keys", "error_msgs")}
    if any(bad.values()):
        raise ValueError(f"{folder} does not load strictly: {bad}")


def raw_tensors(folder, prefix=""):
    out = {}
    for f in sorted(os.listdir(folder)):
        if f.endswith(".safetensors"):
            with safe_open(os.path.join(folder, f), "pt") as st:
                for k in st.keys():
                    out[k] = st.get_tensor(k)
    return out


def same_bits(a, b):
    if a.dtype != b.dtype or a.shape != b.shape:
        return False
    if a.dtype.is_floating_point:
        bits = {2: torch.int16, 4: torch.int32, 8: torch.int64}[a.element_size()]
        return torch.equal(a.contiguous().view(bits), b.contiguous().view(bits))
    return torch.equal(a, b)


def compare_tensors(original, rescaled, touched):
    a = raw_tensors(original)
    b = raw_tensors(rescaled)
    key_diff = sorted(set(a) ^ set(b))
    changed = sorted(k for k in a if k in b and k not in touched and not same_bits(a[k], b[k]))
    return key_diff, changed


def corrupt(model, touched):
    """Doubles the first row (first slice) of the first touched tensor the model holds."""
    params = dict(model.named_parameters())
    for name in touched:
        if name in params:
            with torch.no_grad():
                params[name].data[0] *= 2
            return name
    raise ValueError(f"none of the touched tensors {touched[:4]}... is a model parameter")


def check(req):
    tokens = req["tokens"]
    expected = stored_logits(req["original"], tokens)
    model, info = load(req["rescaled"])
    answer = {k: [str(x) for x in (info.get(k) or [])] for k in ("missing_keys", "unexpected_keys", "mismatched_keys")}
    if req.get("corrupt"):
        answer["corrupted"] = corrupt(model, req["touched"])
    got = logits_of(model, tokens)
    key_diff, changed = compare_tensors(req["original"], req["rescaled"], set(req["touched"]))
    answer.update(max_abs_diff=(got - expected).abs().max().item(), max_abs=expected.abs().max().item(),
                  key_diff=key_diff, changed_untouched=changed)
    return answer


def build_lora(req):
    import peft
    base, info = load(req["base"], dtype=torch.float32)
    strict(info, req["base"])
    config = peft.LoraConfig(r=4, lora_alpha=8, target_modules=ADAPTERS[req["family"]], lora_dropout=0.0)
    model = peft.get_peft_model(base, config)
    gen = torch.Generator().manual_seed(req["seed"])
    with torch.no_grad():
        for name, p in model.named_parameters():
            if "lora_" in name:
                rows = torch.exp(0.7 * torch.randn(p.shape[:-1] + (1,), generator=gen))
                p.copy_(torch.randn(p.shape, generator=gen) / math.sqrt(p.shape[-1]) * rows)
    model.save_pretrained(req["out"])
    return {"logits": lora_logits(req["base"], req["out"], req["tokens"]).tolist()}


def load_lora(base_folder, adapter_folder):
    import peft
    base, info = load(base_folder)
    strict(info, base_folder)
    model = peft.PeftModel.from_pretrained(base, adapter_folder, is_trainable=False)
    model = model.to(torch.float64)
    model.eval()
    return model


def lora_logits(base_folder, adapter_folder, tokens):
    key = (base_folder, adapter_folder, json.dumps(tokens))
    if key not in LOGITS:
        LOGITS[key] = logits_of(load_lora(base_folder, adapter_folder), tokens)
    return LOGITS[key]


def check_lora(req):
    expected = lora_logits(req["base"], req["original"], req["tokens"])
    model = load_lora(req["base"], req["rescaled"])
    answer = {}
    if req.get("corrupt"):
        touched = ["base_model.model." + t.replace("base_model.model.", "", 1).replace(".weight", ".default.weight")
                   for t in req["touched"]]
        answer["corrupted"] = corrupt(model, touched)
    got = logits_of(model, req["tokens"])
    key_diff, changed = compare_tensors(req["original"], req["rescaled"], set(req["touched"]))
    answer.update(missing_keys=[], unexpected_keys=[], mismatched_keys=[], max_abs_diff=(got - expected).abs().max().item(),
                  max_abs=expected.abs().max().item(), key_diff=key_diff, changed_untouched=changed)
    return answer


OPS = {
    "families": lambda req: {"families": {f: list(v) for f, v in FAMILIES.items()}, "adapters": sorted(ADAPTERS),
                             "fused_experts": [f for f in FAMILIES if has_fused_experts(f, next(iter(FAMILIES[f])))],
                             "transformers": transformers.__version__},
    "build": build,
    "check": check,
    "build_lora": build_lora,
    "check_lora": check_lora,
}


def main():
    out = sys.stdout
    sys.stdout = sys.stderr  # library chatter must not reach the protocol stream
    print(json.dumps({"ready": True, "transformers": transformers.__version__, "torch": torch.__version__}), file=out, flush=True)
    for line in sys.stdin:
        req = json.loads(line)
        if req["op"] == "quit":
            break
        try:
            answer = OPS[req["op"]](req)
        except Exception as e:  # one failed request is reported, the process carries on
            log(traceback.format_exc())
            answer = {"error": f"{type(e).__name__}: {e}"}
        print(json.dumps(answer), file=out, flush=True)


if __name__ == "__main__":
    main()
