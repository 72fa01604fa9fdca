#!/usr/bin/env python3
"""The HF transformers + PEFT side of `flock-bench dataset --reference`.

Trains and evaluates on the very token sequences our side used: the JSON file that
flock-bench writes holds the tokenized train rows in training order, the eval rows,
and the competition's settings (micro-batch, gradient accumulation, optimizer steps,
LoRA r / alpha / dropout / target modules, AdamW, clipping). The loss is on the
masked positions (labels -100 elsewhere; HF shifts them itself). Model loading is
not timed; training and evaluation are timed separately. Prints one JSON object.

  python peft_dataset.py --model DIR --sequences FILE [--threads 2]
"""
import argparse
import json
import platform
import resource
import sys
import time


def main(argv):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--model", required=True)
    p.add_argument("--sequences", required=True)
    p.add_argument("--threads", type=int, default=0)
    a = p.parse_args(argv)
    with open(a.sequences) as f:
        job = json.load(f)

    import torch
    import transformers
    import peft
    from transformers import AutoModelForCausalLM

    if a.threads > 0:
        torch.set_num_threads(a.threads)
    torch.manual_seed(job["seed"])
    t0 = time.perf_counter()
    model = AutoModelForCausalLM.from_pretrained(a.model, dtype=torch.float32)
    lora = job["lora"]
    cfg = peft.LoraConfig(r=lora["r"], lora_alpha=lora["alpha"], lora_dropout=lora["dropout"], target_modules=lora["target_modules"],
                          bias="none", task_type="CAUSAL_LM")
    model = peft.get_peft_model(model, cfg)
    load_seconds = time.perf_counter() - t0

    def tensors(seq):
        x = torch.tensor([seq["tokens"]], dtype=torch.long)
        y = x.clone()
        y[0, torch.tensor(seq["mask"], dtype=torch.bool).logical_not()] = -100
        return x, y

    tr = job["training"]
    model.train()
    params = [q for q in model.parameters() if q.requires_grad]
    opt = torch.optim.AdamW(params, lr=tr["lr"], betas=tuple(tr["betas"]), eps=tr["eps"], weight_decay=tr["weight_decay"])
    train = job["train"]
    accum = tr["grad_accum"]
    train_tokens, losses, i = 0, [], 0
    t = time.perf_counter()
    for _ in range(tr["steps"]):
        for _ in range(accum):
            x, y = tensors(train[i % len(train)])
            i += 1
            loss = model(input_ids=x, labels=y).loss / accum
            loss.backward()
            train_tokens += x.shape[1]
            losses.append(loss.item() * accum)
        torch.nn.utils.clip_grad_norm_(params, tr["max_grad_norm"])
        opt.step()
        opt.zero_grad(set_to_none=True)
    train_seconds = time.perf_counter() - t

    model.eval()
    eval_tokens, eval_losses = 0, []
    t = time.perf_counter()
    with torch.no_grad():
        for seq in job["eval"]:
            x, y = tensors(seq)
            eval_losses.append(model(input_ids=x, labels=y).loss.item())
            eval_tokens += x.shape[1]
    eval_seconds = time.perf_counter() - t

    print(json.dumps({
        "kind": "dataset",
        "impl": "peft",
        "device": "cpu",
        "threads": torch.get_num_threads(),
        "train_sequences": i,
        "train_tokens": train_tokens,
        "train_seconds": train_seconds,
        "train_tokens_per_s": train_tokens / train_seconds,
        "eval_sequences": len(job["eval"]),
        "eval_tokens": eval_tokens,
        "eval_seconds": eval_seconds,
        "eval_tokens_per_s": eval_tokens / eval_seconds,
        "train_loss_mean": sum(losses) / len(losses),
        "eval_loss_example_mean": sum(eval_losses) / len(eval_losses),
        "load_seconds": load_seconds,
        "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "versions": {"python": platform.python_version(), "torch": torch.__version__, "transformers": transformers.__version__, "peft": peft.__version__},
        "cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "note": "one sequence per forward pass; learning rate constant (the schedule does not change the cost)",
    }))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
