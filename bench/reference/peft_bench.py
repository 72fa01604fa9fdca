#!/usr/bin/env python3
"""The HF transformers + PEFT side of `flock-bench compare`.

Runs the same thing as `flock-bench train|eval` on the same model folder (the
random-weight safetensors our harness wrote): the same token ids (mulberry32,
the same seed), loss on the last 3/4 of each sequence, LoRA r 16 / alpha 32 /
all-linear / dropout 0, torch AdamW (lr 2e-4 constant, betas 0.9/0.999, eps
1e-8, no weight decay), gradient clipping at 1.0, one sequence per step. One
untimed warm-up step comes first; model loading is not timed. Prints one JSON
object with the keys flock-bench prints.

  python peft_bench.py --mode train|eval --model DIR [--shape NAME] [--seq 512]
      [--steps 4] [--threads 2] [--dtype fp32|bf16] [--seed 1]

--dtype bf16 runs under torch.autocast('cpu', dtype=torch.bfloat16) with
float32 master weights, as a user of HF + PEFT on a CPU would.
"""
import argparse
import contextlib
import json
import platform
import resource
import sys
import time

WARMUP_STEPS = 1
LOSS_MASK_RULE = "targets are positions i >= floor(seq/4) of each sequence (the last 3/4)"
LORA_JSON = {
    "r": 16, "alpha": 32, "dropout": 0, "target_modules": "all-linear", "optimizer": "adamw", "lr": 2e-4,
    "lr_schedule": "constant", "betas": [0.9, 0.999], "eps": 1e-8, "weight_decay": 0, "max_grad_norm": 1.0,
    "micro_batch": 1, "grad_accum": 1,
}
M32 = 0xFFFFFFFF


def mulberry32(seed):
    """The generator of lib/bench/mulberry32.ts, bit for bit."""
    s = seed & M32
    while True:
        s = (s + 0x6D2B79F5) & M32
        z = s
        z = ((z ^ (z >> 15)) * (z | 1)) & M32
        z = (z ^ ((z + (((z ^ (z >> 7)) * (z | 61)) & M32)) & M32)) & M32
        yield (z ^ (z >> 14)) & M32


def bench_tokens(count, seq, vocab, seed):
    rng = mulberry32(seed)
    return [[(next(rng) * vocab) >> 32 for _ in range(seq)] for _ in range(count)]


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--mode", choices=["train", "eval"], required=True)
    p.add_argument("--model", help="model folder (config.json + model.safetensors)")
    p.add_argument("--shape", default="custom", help="shape name, reported as is")
    p.add_argument("--seq", type=int, default=512)
    p.add_argument("--steps", type=int, default=4)
    p.add_argument("--threads", type=int, default=0, help="torch.set_num_threads; 0 keeps torch's default")
    p.add_argument("--dtype", choices=["fp32", "f32", "bf16"], default="fp32")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--vocab", type=int, help="with --dump-tokens: the vocabulary size")
    p.add_argument("--dump-tokens", action="store_true", help="print the token ids as JSON and exit (no torch needed)")
    a = p.parse_args(argv)
    if a.seq < 4 or a.steps < 1:
        p.error("--seq must be >= 4 and --steps >= 1")
    if not a.dump_tokens and not a.model:
        p.error("--model is required")
    return a


def main(argv):
    a = parse_args(argv)
    count = a.steps + WARMUP_STEPS
    if a.dump_tokens:
        print(json.dumps(bench_tokens(count, a.seq, a.vocab, a.seed)))
        return 0

    import torch
    import transformers
    import peft
    from transformers import AutoConfig, AutoModelForCausalLM

    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    bf16 = a.dtype == "bf16"

    t0 = time.perf_counter()
    config = AutoConfig.from_pretrained(a.model)
    model = AutoModelForCausalLM.from_pretrained(a.model, dtype=torch.float32)
    lora = peft.LoraConfig(r=16, lora_alpha=32, lora_dropout=0.0, target_modules="all-linear", bias="none", task_type="CAUSAL_LM")
    model = peft.get_peft_model(model, lora)
    load_seconds = time.perf_counter() - t0

    start = a.seq // 4
    seqs = []
    for ids in bench_tokens(count, a.seq, config.vocab_size, a.seed):
        x = torch.tensor([ids], dtype=torch.long)
        y = x.clone()
        y[:, :start] = -100
        seqs.append((x, y))
    autocast = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if bf16 else contextlib.nullcontext

    times, cpus, losses = [], [], []
    if a.mode == "train":
        model.train()
        params = [p for p in model.parameters() if p.requires_grad]
        opt = torch.optim.AdamW(params, lr=2e-4, betas=(0.9, 0.999), eps=1e-8, weight_decay=0.0)
        for x, y in seqs:
            t, c = time.perf_counter(), time.process_time()
            with autocast():
                loss = model(input_ids=x, labels=y).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            opt.zero_grad(set_to_none=True)
            losses.append(loss.item())
            times.append(time.perf_counter() - t)
            cpus.append(time.process_time() - c)
        loss_out = sum(losses[WARMUP_STEPS:]) / a.steps
        warmup_loss = losses[0]
    else:
        model.eval()
        with torch.no_grad():
            for x, y in seqs:
                t, c = time.perf_counter(), time.process_time()
                with autocast():
                    loss = model(input_ids=x, labels=y).loss
                losses.append(loss.item())
                times.append(time.perf_counter() - t)
                cpus.append(time.process_time() - c)
        # every sequence has the same number of targets, so this is the token mean (warm-up included, as ours)
        loss_out = sum(losses) / len(losses)
        warmup_loss = None

    seconds = sum(times[WARMUP_STEPS:])
    tokens = a.steps * a.seq
    out = {
        "kind": a.mode,
        "impl": "peft",
        "device": "cpu",
        "shape": a.shape,
        "dtype": "bf16" if bf16 else "f32",
        "seq": a.seq,
        "steps": a.steps,
        "warmup_steps": WARMUP_STEPS,
        "tokens": tokens,
        "seconds": seconds,
        "tokens_per_s": tokens / seconds,
        "cpu_seconds": sum(cpus[WARMUP_STEPS:]),
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "threads": torch.get_num_threads(),
        "loss": loss_out,
        "warmup_loss": warmup_loss,
        "step_seconds": times[WARMUP_STEPS:],
        "loss_mask": LOSS_MASK_RULE,
        "lora": LORA_JSON,
        "load_seconds": load_seconds,
        "model": {"dir": a.model, "parameters": sum(p.numel() for n, p in model.named_parameters() if "lora_" not in n)},
        "seed": a.seed,
        "compute": "torch.autocast bf16, fp32 master weights" if bf16 else "fp32",
        "attn_implementation": getattr(model.config, "_attn_implementation", None),
        "versions": {"python": platform.python_version(), "torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__},
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "peak_rss_note": "process peak RSS (getrusage ru_maxrss)",
    }
    print(json.dumps(out))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
