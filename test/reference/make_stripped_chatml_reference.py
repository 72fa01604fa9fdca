#!/usr/bin/env python3
"""Writes test/fixtures/tokenize/stripped-chatml.json: token ids and loss masks of chat rows
as the live FLock validator's SFTDataset builds them (shared/reference/live-sn96.md), with
HF transformers' tokenizer on the committed chatml fixture tokenizer:

  system:    encode("<|im_start|>system\\n" + system.strip() + "<|im_end|>\\n")             mask 0
  each turn: encode("<|im_start|>user\\n" + user.strip() + "<|im_end|>\\n<|im_start|>assistant\\n")  mask 0
             encode(assistant.strip() + "<|im_end|>\\n")                                    mask 1
  every piece encoded on its own with add_special_tokens=False, then cut to max_seq_length.

This restates that algorithm (no code copied). Nothing is downloaded. Run from the repository
root with a venv that has transformers:

    /path/to/.venv-ref/bin/python test/reference/make_stripped_chatml_reference.py
"""
import json
import os

import transformers
from transformers import AutoTokenizer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FIX = os.path.join(ROOT, "test", "fixtures", "tokenize")

ROWS = [
    {"system": None, "conversations": [{"role": "user", "content": "What comes after 41?"}, {"role": "assistant", "content": "42 comes after 41."}]},
    {"system": "  You are terse.\n", "conversations": [{"role": "user", "content": "\n\nHi there  "}, {"role": "assistant", "content": "\tHello!\n\n"}]},
    {"system": None, "conversations": [
        {"role": "user", "content": "Two turns, first"}, {"role": "assistant", "content": "first answer"},
        {"role": "user", "content": "  and the second\u3000"}, {"role": "assistant", "content": "\u00a0second answer\u2029"}]},
    {"system": "Keep the BOM: \ufeff", "conversations": [{"role": "user", "content": "\u001ctrimmed by Python only\u0085"}, {"role": "assistant", "content": "\ufeffa BOM is not whitespace to Python\ufeff"}]},
    {"system": None, "conversations": [{"role": "user", "content": "héllo wörld, ünïcode 🙂"}, {"role": "assistant", "content": "Ünïcode 🙂 answer <|im_end|> inside"}]},
]
MAX_LEN = [4096, 4096, 4096, 4096, 20]


def live_tokenize(tok, row, max_len):
    ids, mask = [], []
    if row.get("system") is not None:
        piece = tok.encode("<|im_start|>system\n" + row["system"].strip() + "<|im_end|>\n", add_special_tokens=False)
        ids += piece
        mask += [0] * len(piece)
    conv = row["conversations"]
    for i in range(0, len(conv) - 1, 2):
        user = tok.encode("<|im_start|>user\n" + conv[i]["content"].strip() + "<|im_end|>\n<|im_start|>assistant\n", add_special_tokens=False)
        answer = tok.encode(conv[i + 1]["content"].strip() + "<|im_end|>\n", add_special_tokens=False)
        ids += user + answer
        mask += [0] * len(user) + [1] * len(answer)
    return ids[:max_len], mask[:max_len]


def main():
    tok = AutoTokenizer.from_pretrained(os.path.join(FIX, "chatml"))
    cases = []
    for row, max_len in zip(ROWS, MAX_LEN):
        ids, mask = live_tokenize(tok, row, max_len)
        cases.append({"row": row, "maxSeqLen": max_len, "ids": ids, "mask": mask})
    out = {"tokenizer": "chatml", "transformers": transformers.__version__, "cases": cases}
    with open(os.path.join(FIX, "stripped-chatml.json"), "w") as f:
        json.dump(out, f, ensure_ascii=False, indent=1)
        f.write("\n")
    print(f"wrote {len(cases)} cases")


if __name__ == "__main__":
    main()
