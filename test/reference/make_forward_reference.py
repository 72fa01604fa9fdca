#!/usr/bin/env python3
"""Writes the forward-pass reference fixtures under test/fixtures/reference/.

For each tiny random model (saved with HF transformers' own save_pretrained, so
the files are exactly what HF writes) it records the logits and masked
cross-entropy of a fixed two-sequence batch, computed by HF transformers in
float64. Run by developers in a venv with torch + transformers:

    python3 -m venv .venv-ref && .venv-ref/bin/pip install torch transformers peft safetensors
    .venv-ref/bin/python test/reference/make_forward_reference.py
"""
import json
import os
import shutil
import sys

import torch
from safetensors.torch import save_file
from transformers import (LlamaConfig, LlamaForCausalLM, MistralConfig,
                          MistralForCausalLM, Qwen2Config, Qwen2ForCausalLM)

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "reference")
SEQ_LENS = [13, 21]


def spread_weights(model, seed):
    """HF's init (std 0.02) gives near-uniform logits; widen it so every layer matters."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("norm.weight"):
                p.copy_(1.0 + 0.2 * torch.randn(p.shape, generator=g))
            elif name.endswith(".bias"):
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
            else:
                p.copy_(torch.randn(p.shape, generator=g) / (p.shape[-1] ** 0.5) * 1.5)


def models():
    qwen = Qwen2Config(vocab_size=256, hidden_size=64, intermediate_size=128, num_hidden_layers=2,
                       num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-6,
                       rope_theta=10000.0, tie_word_embeddings=True, max_position_embeddings=128)
    llama = LlamaConfig(vocab_size=200, hidden_size=48, intermediate_size=96, num_hidden_layers=3,
                        num_attention_heads=4, num_key_value_heads=1, head_dim=16, rms_norm_eps=1e-5,
                        tie_word_embeddings=False, max_position_embeddings=128,
                        rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                      "high_freq_factor": 4.0, "original_max_position_embeddings": 32},
                        rope_theta=500000.0)
    mistral = MistralConfig(vocab_size=160, hidden_size=64, intermediate_size=112, num_hidden_layers=2,
                            num_attention_heads=4, num_key_value_heads=2, rms_norm_eps=1e-5,
                            sliding_window=6, tie_word_embeddings=False, max_position_embeddings=128)
    # name, model, storage dtype, shard size
    return [
        ("qwen2-tied-f32", Qwen2ForCausalLM(qwen), torch.float32, None),
        ("llama-gqa-llama3-sharded-f32", LlamaForCausalLM(llama), torch.float32, "60KB"),
        ("mistral-window-bf16", MistralForCausalLM(mistral), torch.bfloat16, None),
    ]


def batch(vocab, seed):
    g = torch.Generator().manual_seed(seed)
    tokens, mask = [], []
    for n in SEQ_LENS:
        tokens.append(torch.randint(0, vocab, (n,), generator=g))
        m = (torch.rand(n, generator=g) < 0.7).to(torch.uint8)
        m[0] = 0
        mask.append(m)
    return tokens, mask


def main():
    torch.manual_seed(0)
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    cases = []
    for i, (name, model, dtype, shard) in enumerate(models()):
        spread_weights(model, 100 + i)
        model = model.to(dtype)
        folder = os.path.join(OUT, name)
        kwargs = {"max_shard_size": shard} if shard else {}
        model.save_pretrained(folder, **kwargs)
        for extra in ("generation_config.json",):
            p = os.path.join(folder, extra)
            if os.path.exists(p):
                os.remove(p)
        # Reference in float64 from the stored weights (bf16 upcasts exactly).
        ref = type(model).from_pretrained(folder, torch_dtype=torch.float64, attn_implementation="eager").eval()
        vocab = ref.config.vocab_size
        tokens, mask = batch(vocab, 1000 + i)
        logits_all, seq_sums, seq_counts = [], [], []
        with torch.no_grad():
            for tok, m in zip(tokens, mask):
                labels = torch.where(m.bool(), tok, torch.full_like(tok, -100))
                out = ref(input_ids=tok[None], labels=labels[None])
                logits = out.logits[0]
                logp = torch.log_softmax(logits[:-1], dim=-1)
                tgt = m[1:].bool()
                nll = -logp[torch.arange(len(tok) - 1), tok[1:]][tgt]
                # HF computes its loss from fp32-upcast logits: agree to fp32 precision
                assert abs(nll.mean().item() - out.loss.item()) < 1e-6 * abs(out.loss.item()), "manual loss disagrees with HF"
                logits_all.append(logits)
                seq_sums.append(nll.sum().item())
                seq_counts.append(int(tgt.sum().item()))
        offsets = [0]
        for n in SEQ_LENS:
            offsets.append(offsets[-1] + n)
        save_file({
            "tokens": torch.cat(tokens).to(torch.int32),
            "loss_mask": torch.cat(mask).to(torch.uint8),
            "seq_offsets": torch.tensor(offsets, dtype=torch.int64),
            "logits": torch.cat(logits_all).to(torch.float32),
            "logits_f64_norm": torch.tensor([torch.cat(logits_all).norm().item()], dtype=torch.float64),
        }, os.path.join(folder, "reference.safetensors"))
        expected = {
            "seq_loss_sum": seq_sums,
            "seq_num_targets": seq_counts,
            "loss_sum": sum(seq_sums),
            "num_targets": sum(seq_counts),
            "mean_loss": sum(seq_sums) / sum(seq_counts),
            "architecture": ref.config.architectures[0],
            "storage_dtype": str(dtype).replace("torch.", ""),
            "generator": "transformers " + __import__("transformers").__version__ + ", torch " + torch.__version__ + ", float64 eager",
        }
        with open(os.path.join(folder, "expected.json"), "w") as f:
            json.dump(expected, f, indent=2)
        cases.append(name)
        print(name, "mean loss", expected["mean_loss"], file=sys.stderr)
    with open(os.path.join(OUT, "cases.json"), "w") as f:
        json.dump(cases, f, indent=2)


if __name__ == "__main__":
    main()
