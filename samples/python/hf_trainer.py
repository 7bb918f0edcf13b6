"""WISCA with the Hugging Face Trainer: a tiny LlamaForCausalLM from scratch, rescaled every 25 steps,
checkpoints every 50 (they hold the rescaled weights and moments), then resumed from the first one.

    pip install ./hooks/python               # once, from the repository root (or PYTHONPATH=hooks/python/src)
    python3 samples/python/hf_trainer.py     # spawns `wisca serve --stdio`
    torchrun --nproc_per_node 2 samples/python/hf_trainer.py   # DDP: rank 0 talks to the engine
"""

import logging

import torch
from transformers import LlamaConfig, LlamaForCausalLM, Trainer, TrainingArguments

from wisca.hf import WiscaCallback


class RandomTokens(torch.utils.data.Dataset):
    def __init__(self, vocab, n=256, length=32):
        self.ids = torch.randint(0, vocab, (n, length), generator=torch.Generator().manual_seed(0))

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "labels": self.ids[i]}


def make_trainer(config):
    args = TrainingArguments(output_dir="hf-out", max_steps=100, per_device_train_batch_size=8, learning_rate=3e-3,
                             logging_steps=10, save_steps=50, report_to=[], use_cpu=not torch.cuda.is_available())
    trainer = Trainer(model=LlamaForCausalLM(config), args=args, train_dataset=RandomTokens(config.vocab_size))
    WiscaCallback(every=25, at_init=True).attach(trainer)  # attach: wisca/* metrics go through Trainer.log
    return trainer


def main():
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    config = LlamaConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                         num_key_value_heads=2, vocab_size=128)
    make_trainer(config).train()
    make_trainer(config).train(resume_from_checkpoint="hf-out/checkpoint-50")


if __name__ == "__main__":
    main()
