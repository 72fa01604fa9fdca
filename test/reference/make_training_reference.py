#!/usr/bin/env python3
"""Writes the LoRA training reference fixtures under test/fixtures/training/.

For each case: a tiny random model from test/fixtures/reference/, random train and
eval sequences with loss masks, and an initial PEFT adapter (A and B random, so
step 0 already exercises every path). HF transformers + PEFT then train it in
float64 with torch's AdamW, HF's warmup schedules, gradient accumulation (HF's
loss: token losses summed over the accumulated micro-batches / their target count)
and clip_grad_norm_, in the data order our trainer draws from the seed (the same
splitmix64 Fisher-Yates, re-implemented below). It records the per-step loss,
learning rate and gradient norm and the final eval losses.

Then it runs our trainer on the same case (native/test/lora_train_tool, built with
`cmake -S native -B build-native && cmake --build build-native`), loads the adapter
we wrote with peft.PeftModel.from_pretrained and records PEFT's eval loss of it.

    .venv-ref/bin/python test/reference/make_training_reference.py [path/to/lora_train_tool]
"""
import json
import os
import shutil
import subprocess
import sys
import tempfile

import torch
from peft import LoraConfig, PeftModel, get_peft_model
from safetensors.torch import load_file, save_file
from transformers import AutoModelForCausalLM, get_cosine_schedule_with_warmup, get_linear_schedule_with_warmup

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
MODELS = os.path.join(ROOT, "test", "fixtures", "reference")
OUT = os.path.join(ROOT, "test", "fixtures", "training")
M64 = (1 << 64) - 1
ALL = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"]

CASES = [
    {
        "name": "qwen2-all-linear",
        "model": "qwen2-tied-f32",
        "num_train": 12, "num_eval": 5,
        "lora": {"r": 4, "alpha": 8.0, "dropout": 0.0, "target_modules": ALL, "use_rslora": False},
        "train": {"lr": 2e-3, "schedule": "linear", "warmup_steps": 3, "epochs": 7, "micro_batch_size": 2,
                  "grad_accum": 2, "max_grad_norm": 0.5, "beta1": 0.9, "beta2": 0.999, "eps": 1e-8,
                  "weight_decay": 0.01, "seed": 1234, "shuffle": True},
    },
    {
        "name": "llama-rslora-cosine-partial-accum",
        "model": "llama-gqa-llama3-sharded-f32",
        "num_train": 12, "num_eval": 4,
        "lora": {"r": 8, "alpha": 16.0, "dropout": 0.0, "target_modules": ["q_proj", "v_proj", "down_proj"],
                 "use_rslora": True},
        "train": {"lr": 3e-3, "schedule": "cosine", "warmup_steps": 4, "epochs": 10, "micro_batch_size": 3,
                  "grad_accum": 3, "max_grad_norm": 1.0, "beta1": 0.9, "beta2": 0.99, "eps": 1e-8,
                  "weight_decay": 0.0, "seed": 77, "shuffle": True},
    },
]


# --- the trainer's data order (native/src/rng.hpp, trainer.cpp) -------------
def mix64(z):
    z = (z + 0x9E3779B97F4A7C15) & M64
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
    return z ^ (z >> 31)


def derive_key(seed, a, b=0, c=0):
    return mix64(mix64(mix64(mix64(seed) ^ a) ^ b) ^ c)


class SplitMix64:
    def __init__(self, seed):
        self.state = seed

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & M64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & M64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & M64
        return z ^ (z >> 31)

    def below(self, n):
        limit = M64 - M64 % n
        while True:
            x = self.next()
            if x < limit:
                return x % n


def epoch_order(n, seed, epoch, shuffle):
    order = list(range(n))
    if not shuffle:
        return order
    rng = SplitMix64(derive_key(seed, 0x44617461, epoch))
    for i in range(n - 1, 0, -1):
        j = rng.below(i + 1)
        order[i], order[j] = order[j], order[i]
    return order


# --- data ---------------------------------------------------------------------
def make_sequences(n, vocab, gen):
    seqs = []
    for _ in range(n):
        length = int(torch.randint(5, 25, (1,), generator=gen))
        tok = torch.randint(0, vocab, (length,), generator=gen)
        mask = (torch.rand(length, generator=gen) < 0.6).to(torch.uint8)
        mask[0] = 0
        if mask[1:].sum() == 0:
            mask[-1] = 1
        seqs.append((tok, mask))
    return seqs


def pack(seqs):
    offsets = [0]
    for t, _ in seqs:
        offsets.append(offsets[-1] + len(t))
    return torch.cat([t for t, _ in seqs]).to(torch.int32), torch.cat([m for _, m in seqs]), torch.tensor(offsets, dtype=torch.int64)


def loss_sum(model, seqs):
    """Σ token cross-entropies over the targets of a right-padded batch, and their count."""
    L = max(len(t) for t, _ in seqs)
    ids = torch.zeros(len(seqs), L, dtype=torch.long)
    att = torch.zeros(len(seqs), L, dtype=torch.long)
    labels = torch.full((len(seqs), L), -100, dtype=torch.long)
    for i, (t, m) in enumerate(seqs):
        ids[i, :len(t)] = t
        att[i, :len(t)] = 1
        labels[i, :len(t)] = torch.where(m.bool(), t, torch.full_like(t, -100))
    logits = model(input_ids=ids, attention_mask=att).logits
    logp = torch.log_softmax(logits[:, :-1], dim=-1)
    tgt = labels[:, 1:]
    keep = tgt != -100
    picked = logp.gather(-1, tgt.clamp(min=0).unsqueeze(-1)).squeeze(-1)
    return -(picked[keep]).sum(), int(keep.sum())


def evaluate(model, seqs):
    total, count, per_example = 0.0, 0, []
    with torch.no_grad():
        for s in seqs:
            ls, n = loss_sum(model, [s])
            if n == 0:
                continue
            total += ls.item()
            count += n
            per_example.append(ls.item() / n)
    return {"token_mean": total / count, "example_mean": sum(per_example) / len(per_example), "targets": count}


def peft_model(base_dir, case):
    base = AutoModelForCausalLM.from_pretrained(base_dir, torch_dtype=torch.float64, attn_implementation="eager")
    lc = case["lora"]
    cfg = LoraConfig(r=lc["r"], lora_alpha=lc["alpha"], lora_dropout=lc["dropout"], target_modules=lc["target_modules"],
                     use_rslora=lc["use_rslora"], bias="none", task_type="CAUSAL_LM")
    return get_peft_model(base, cfg)


def main():
    tool = sys.argv[1] if len(sys.argv) > 1 else os.path.join(ROOT, "build-native", "test", "lora_train_tool")
    if not os.path.exists(tool):
        sys.exit(f"build {tool} first: cmake -S native -B build-native && cmake --build build-native")
    torch.manual_seed(0)
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    names = []
    for ci, case in enumerate(CASES):
        folder = os.path.join(OUT, case["name"])
        os.makedirs(folder)
        base_dir = os.path.join(MODELS, case["model"])
        gen = torch.Generator().manual_seed(500 + ci)
        model = peft_model(base_dir, case)
        vocab = model.config.vocab_size
        train = make_sequences(case["num_train"], vocab, gen)
        evals = make_sequences(case["num_eval"], vocab, gen)
        # Random initial adapter: B non-zero so the first step already trains A.
        with torch.no_grad():
            for name, p in model.named_parameters():
                if "lora_A" in name:
                    p.copy_(torch.randn(p.shape, generator=gen, dtype=torch.float64) / p.shape[1] ** 0.5)
                elif "lora_B" in name:
                    p.copy_(0.05 * torch.randn(p.shape, generator=gen, dtype=torch.float64))
        # Stored in fp32 (what our trainer loads); continue from exactly those values.
        init_dir = os.path.join(folder, "init_adapter")
        model.save_pretrained(init_dir, safe_serialization=True)
        st = os.path.join(init_dir, "adapter_model.safetensors")
        save_file({k: v.to(torch.float32).contiguous() for k, v in load_file(st).items()}, st, metadata={"format": "pt"})
        cfg_path = os.path.join(init_dir, "adapter_config.json")
        with open(cfg_path) as f:
            adapter_cfg = json.load(f)
        adapter_cfg["base_model_name_or_path"] = case["model"]
        with open(cfg_path, "w") as f:
            json.dump(adapter_cfg, f, indent=2)
        with torch.no_grad():
            for p in model.parameters():
                if p.requires_grad:
                    p.copy_(p.to(torch.float32).to(torch.float64))
        t = case["train"]
        n = len(train)
        mbs_per_epoch = (n + t["micro_batch_size"] - 1) // t["micro_batch_size"]
        steps_per_epoch = (mbs_per_epoch + t["grad_accum"] - 1) // t["grad_accum"]
        total = steps_per_epoch * t["epochs"]
        params = [p for p in model.parameters() if p.requires_grad]
        opt = torch.optim.AdamW(params, lr=t["lr"], betas=(t["beta1"], t["beta2"]), eps=t["eps"], weight_decay=t["weight_decay"])
        sched_fn = get_cosine_schedule_with_warmup if t["schedule"] == "cosine" else get_linear_schedule_with_warmup
        sched = sched_fn(opt, t["warmup_steps"], total)
        eval_before = evaluate(model, evals)
        model.train()
        step_loss, step_lr, step_gn = [], [], []
        for epoch in range(t["epochs"]):
            order = epoch_order(n, t["seed"], epoch, t["shuffle"])
            for mb0 in range(0, mbs_per_epoch, t["grad_accum"]):
                mb1 = min(mbs_per_epoch, mb0 + t["grad_accum"])
                groups = [[train[i] for i in order[mb * t["micro_batch_size"]:(mb + 1) * t["micro_batch_size"]]] for mb in range(mb0, mb1)]
                N = sum(int(m[1:].sum()) for g in groups for _, m in g)
                total_loss = 0.0
                for g in groups:
                    ls, _ = loss_sum(model, g)
                    (ls / N).backward()
                    total_loss += ls.item()
                gn = torch.nn.utils.clip_grad_norm_(params, t["max_grad_norm"])
                step_lr.append(sched.get_last_lr()[0])
                opt.step()
                sched.step()
                opt.zero_grad()
                step_loss.append(total_loss / N)
                step_gn.append(float(gn))
        model.eval()
        ev = evaluate(model, evals)
        tr_tok, tr_mask, tr_off = pack(train)
        ev_tok, ev_mask, ev_off = pack(evals)
        save_file({"train_tokens": tr_tok, "train_mask": tr_mask, "train_offsets": tr_off,
                   "eval_tokens": ev_tok, "eval_mask": ev_mask, "eval_offsets": ev_off},
                  os.path.join(folder, "data.safetensors"))
        with open(os.path.join(folder, "settings.json"), "w") as f:
            json.dump({"model": case["model"], "lora": case["lora"], "train": t}, f, indent=2)
        # Our trainer on the same case; PEFT loads the adapter it writes.
        with tempfile.TemporaryDirectory() as tmp:
            ours_dir = os.path.join(tmp, "adapter")
            ours = json.loads(subprocess.run([tool, folder, MODELS, ours_dir], check=True, capture_output=True, text=True).stdout)
            base = AutoModelForCausalLM.from_pretrained(base_dir, torch_dtype=torch.float64, attn_implementation="eager")
            loaded = PeftModel.from_pretrained(base, ours_dir).eval()
            peft_of_ours = evaluate(loaded, evals)
        expected = {
            "steps": len(step_loss),
            "step_loss": step_loss,
            "step_lr": step_lr,
            "step_grad_norm": step_gn,
            "eval_before": eval_before,
            "eval": ev,
            "peft_eval_of_our_adapter": peft_of_ours,
            "our_eval_when_generated": ours,
            "generator": "peft " + __import__("peft").__version__ + ", transformers " + __import__("transformers").__version__ +
                         ", torch " + torch.__version__ + ", float64",
        }
        with open(os.path.join(folder, "expected.json"), "w") as f:
            json.dump(expected, f, indent=2)
        names.append(case["name"])
        print(case["name"], "steps", len(step_loss), "loss", step_loss[0], "->", step_loss[-1], "eval", ev["token_mean"],
              "peft(ours)", peft_of_ours["token_mean"], "ours", ours["eval_token_mean"], file=sys.stderr)
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump(names, f, indent=2)


if __name__ == "__main__":
    main()
