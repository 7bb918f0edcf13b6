"""WISCA with the Hugging Face Trainer (needs ``transformers``): a tiny LlamaForCausalLM from scratch.

    python3 hf_trainer.py            # spawns ../../bin/wisca serve --stdio
"""

import torch
from transformers import LlamaConfig, LlamaForCausalLM, Trainer, TrainingArguments

from wisca_hook import WiscaTrainerCallback


class RandomTokens(torch.utils.data.Dataset):
    def __init__(self, vocab, n=256, length=32):
        self.ids = torch.randint(0, vocab, (n, length), generator=torch.Generator().manual_seed(0))

    def __len__(self):
        return len(self.ids)

    def __getitem__(self, i):
        return {"input_ids": self.ids[i], "labels": self.ids[i]}


def main():
    config = LlamaConfig(hidden_size=64, intermediate_size=128, num_hidden_layers=2, num_attention_heads=4,
                         num_key_value_heads=2, vocab_size=128)
    model = LlamaForCausalLM(config)
    args = TrainingArguments(output_dir="hf-out", max_steps=100, per_device_train_batch_size=8,
                             learning_rate=3e-3, logging_steps=10, save_strategy="no", report_to=[])
    trainer = Trainer(model=model, args=args, train_dataset=RandomTokens(config.vocab_size),
                      callbacks=[WiscaTrainerCallback(every=25, at_init=True)])
    trainer.train()


if __name__ == "__main__":
    main()
