"""transformers' own forward pass, the outside judge of wisca's reference forward pass.

Usage: hf_logits.py JOBS_JSON
JOBS_JSON lists jobs [{"model": DIR, "tokens": [[id, ...], ...], "out": PATH}, ...]. Each DIR
(config.json + model.safetensors) is loaded with AutoModelForCausalLM in float64 with eager
attention; the logits of the token sequences go to PATH as {"logits": [seq][pos][vocab],
"layer_types": [...] or null, "sliding_window": int or null}. One process for all jobs, since
importing torch and transformers is the slow part.
"""
import json
import sys

import torch
from transformers import AutoModelForCausalLM


def run(job):
    model = AutoModelForCausalLM.from_pretrained(
        job["model"], dtype=torch.float64, attn_implementation="eager", experts_implementation="eager"
    )
    model.eval()
    with torch.no_grad():
        logits = model(torch.tensor(job["tokens"], dtype=torch.long)).logits
    config = model.config
    out = {
        "logits": logits.tolist(),
        "layer_types": getattr(config, "layer_types", None),
        "sliding_window": getattr(config, "sliding_window", None),
    }
    with open(job["out"], "w") as f:
        json.dump(out, f)


def main(jobs_path):
    with open(jobs_path) as f:
        jobs = json.load(f)
    for job in jobs:
        run(job)


if __name__ == "__main__":
    main(sys.argv[1])
