#!/usr/bin/env python3
"""How far flock-off-s1's training here is from the live validator's QLoRA, on a small model.

The live validator trains LoRA on a 4-bit NF4 base (bitsandbytes, bf16 compute, bf16
autocast) with 8-bit paged AdamW, then evaluates the adapter merged into a bf16 base. This
trainer keeps the base in its own dtype (fp32 here) with fp32 AdamW. Both recipes are run with
HF transformers + PEFT on the CPU (bitsandbytes >= 0.48 has CPU 4-bit kernels; paged optimizers
fall back to non-paged ones on the CPU), from one LoRA init and one data order, with the live
hyper-parameters (r 16, alpha 32, dropout 0.1 on every linear layer, lr 2e-4, 5 warmup steps,
linear decay, batch 1 x grad-accum 8, 2 epochs, max grad norm 1, the live stripped ChatML with
the loss on the assistant content plus "<|im_end|>\\n"), on three selections of 100 rows of the
local flock-off-s1 eval set, each scored on the whole eval set (HF Trainer's eval loss, batch 1).

The base: a Qwen2-shaped model (hidden 256, 4 layers) with the local tiny model's tokenizer,
pre-trained here for one epoch on 3000 generated rows of the eval set's four kinds (no pretrained
weights can be downloaded here), so that fine-tuning starts from a model that has learnt something.

Variants: fp32 (this trainer's recipe), nf4 (4-bit base only), adamw8 (8-bit AdamW only), and
qlora (the live recipe: 4-bit base, bf16 autocast, paged 8-bit AdamW, bf16 merged eval).

Inputs (made by the TypeScript side; see the README's "flock-off-s1" section):
  --tokenizer DIR   a folder with tokenizer.json (the --local network's model folder)
  --eval FILE       the flock-off-s1 local eval set (JSONL)
Run:  /path/to/venv-ref/bin/python test/reference/measure_qlora_gap.py --tokenizer DIR --eval FILE --out results.json
"""
import argparse
import json
import math
import os
import random
import sys
import tempfile
import time

import bitsandbytes as bnb
import peft
import torch
import transformers
from peft import LoraConfig, PeftModel, get_peft_model
from transformers import AutoModelForCausalLM, BitsAndBytesConfig, PreTrainedTokenizerFast, Qwen2Config, Qwen2ForCausalLM

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_stripped_chatml_reference import live_tokenize  # noqa: E402  (the live rendering, one definition)

COLORS = ["red", "blue", "green", "yellow", "purple", "orange", "pink", "brown", "white", "black", "gray", "teal"]
THINGS = ["sky", "sea", "leaf", "lemon", "plum", "fox", "rose", "bark", "snow", "coal", "stone", "duck"]
WORDS = ["apple", "river", "candle", "garden", "window", "silver", "marble", "pepper", "ladder", "forest", "button", "rocket"]


def generated_rows(n, seed):
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        k = rng.randrange(4)
        if k == 0:
            m = rng.randint(1, 400)
            u, a = f"What comes after {m}?", f"{m + 1} comes after {m}."
        elif k == 1:
            x, y = rng.randint(1, 50), rng.randint(1, 50)
            u, a = f"What is {x} plus {y}?", f"{x} plus {y} is {x + y}."
        elif k == 2:
            c, t = rng.choice(COLORS), rng.choice(THINGS)
            u, a = f"Is a {t} ever {c}?", f"A {t} can be {c} in some light."
        else:
            w, r = rng.choice(WORDS), rng.randint(1, 3)
            u, a = f"Spell {w} backwards {r} time(s).", " ".join([w[::-1]] * r)
        rows.append({"system": None, "conversations": [{"role": "user", "content": u}, {"role": "assistant", "content": a}]})
    return rows


def labels_of(ids, mask):
    return torch.tensor([i if m else -100 for i, m in zip(ids, mask)])


def pretrain(tok, out_dir):
    torch.manual_seed(0)
    cfg = Qwen2Config(vocab_size=len(tok), hidden_size=256, intermediate_size=704, num_hidden_layers=4, num_attention_heads=8,
                      num_key_value_heads=4, max_position_embeddings=2048, tie_word_embeddings=True, torch_dtype="float32")
    model = Qwen2ForCausalLM(cfg)
    data = [live_tokenize(tok, r, 2048) for r in generated_rows(3000, 1)]
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3)
    model.train()
    for b in range(0, len(data), 16):
        batch = data[b:b + 16]
        opt.zero_grad()
        loss = sum(model(input_ids=torch.tensor([ids]), labels=labels_of(ids, m).unsqueeze(0)).loss for ids, m in batch) / len(batch)
        loss.backward()
        opt.step()
    model.save_pretrained(out_dir, safe_serialization=True)
    return cfg


def eval_loss(model, data):
    model.eval()
    total = 0.0
    with torch.no_grad():
        for ids, m in data:
            total += model(input_ids=torch.tensor([ids]), labels=labels_of(ids, m).unsqueeze(0)).loss.float().item()
    return total / len(data)


def train(base_dir, train_data, eval_data, variant, seed):
    four_bit = variant in ("nf4", "qlora")
    kw = {"quantization_config": BitsAndBytesConfig(load_in_4bit=True, bnb_4bit_quant_type="nf4",
                                                    bnb_4bit_compute_dtype=torch.bfloat16 if variant == "qlora" else torch.float32)} if four_bit else {}
    model = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32, device_map="cpu", **kw)
    if four_bit:
        model = peft.prepare_model_for_kbit_training(model, use_gradient_checkpointing=False)
    torch.manual_seed(seed)
    model = get_peft_model(model, LoraConfig(r=16, lora_alpha=32, lora_dropout=0.1, target_modules="all-linear", task_type="CAUSAL_LM"))
    params = [p for p in model.parameters() if p.requires_grad]
    opt = bnb.optim.PagedAdamW8bit(params, lr=2e-4) if variant in ("adamw8", "qlora") else torch.optim.AdamW(params, lr=2e-4, weight_decay=0.0)
    accum, epochs, warmup = 8, 2, 5
    per_epoch = math.ceil(len(train_data) / accum)
    total = per_epoch * epochs
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: (s + 1) / warmup if s < warmup else max(0.0, (total - s) / max(1, total - warmup)))
    order_rng = random.Random(seed)
    model.train()
    for _ in range(epochs):
        order = list(range(len(train_data)))
        order_rng.shuffle(order)
        for s in range(per_epoch):
            idx = order[s * accum:(s + 1) * accum]
            targets = sum(sum(train_data[i][1][1:]) for i in idx)
            opt.zero_grad()
            for i in idx:
                ids, m = train_data[i]
                with torch.autocast("cpu", dtype=torch.bfloat16, enabled=variant == "qlora"):
                    logits = model(input_ids=torch.tensor([ids])).logits.float()
                lab = labels_of(ids, m)
                loss = torch.nn.functional.cross_entropy(logits[0, :-1], lab[1:], ignore_index=-100, reduction="sum") / targets
                loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            sched.step()
    with tempfile.TemporaryDirectory() as adapter:
        model.save_pretrained(adapter)
        eval_dtype = torch.bfloat16 if variant == "qlora" else torch.float32
        base = AutoModelForCausalLM.from_pretrained(base_dir, dtype=eval_dtype, device_map="cpu")
        merged = PeftModel.from_pretrained(base, adapter).merge_and_unload()
        return eval_loss(merged, eval_data)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tokenizer", required=True)
    ap.add_argument("--eval", required=True)
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    tok = PreTrainedTokenizerFast(tokenizer_file=f"{a.tokenizer}/tokenizer.json")
    lines = [l for l in open(a.eval, encoding="utf-8").read().splitlines() if l.strip()]
    rows = [json.loads(l) for l in lines]
    eval_data = [live_tokenize(tok, r, 2048) for r in rows]
    started = time.time()
    with tempfile.TemporaryDirectory() as base_dir:
        pretrain(tok, base_dir)
        base = AutoModelForCausalLM.from_pretrained(base_dir, dtype=torch.float32, device_map="cpu")
        base_loss = eval_loss(base, eval_data)
        results = []
        for sel in range(3):
            chosen = random.Random(100 + sel).sample(range(len(rows)), 100)
            train_data = [eval_data[i] for i in chosen]
            losses = {v: train(base_dir, train_data, eval_data, v, seed=7) for v in ("fp32", "nf4", "adamw8", "qlora")}
            results.append({"selection": sel, "losses": losses,
                            "relative_to_fp32": {v: (l - losses["fp32"]) / losses["fp32"] for v, l in losses.items()}})
            print(json.dumps(results[-1]), flush=True)
    ranking = {v: sorted(range(3), key=lambda s: results[s]["losses"][v]) for v in ("fp32", "nf4", "adamw8", "qlora")}
    out = {"torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__, "bitsandbytes": bnb.__version__,
           "base_eval_loss": base_loss, "results": results, "ranking_by_variant": ranking, "seconds": time.time() - started}
    json.dump(out, open(a.out, "w"), indent=1)
    print(json.dumps({"base_eval_loss": base_loss, "ranking_by_variant": ranking}))


if __name__ == "__main__":
    main()
