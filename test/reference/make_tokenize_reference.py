#!/usr/bin/env python3
"""Writes the chat-tokenization reference fixtures under test/fixtures/tokenize/.

For several tokenizers it records what HF transformers' apply_chat_template
gives for a set of conversations: the rendered text, the token ids and the
assistant mask (return_assistant_tokens_mask=True, from {% generation %}
markers that wrap each assistant message's content and its end-of-turn token).
The TypeScript side computes its mask without those markers (it renders
conversation prefixes), so the two are independent.

Tokenizers:
  chatml             byte-level BPE trained here with the `tokenizers` library, Qwen2-style
                     (NFC, Qwen split regex), Qwen2.5-style ChatML template with a default system prompt
  chatml-notemplate  the same tokenizer with no chat_template: TS must fall back to ChatML
  llama3             byte-level BPE trained here, Llama-3-style (split regex, ignore_merges,
                     BOS post-processor), Llama 3 template
  tiny-qwen2, tiny-llama
                     the tokenizers scripts/make-tiny-model.ts writes (seed 0), made by running it

Nothing is downloaded. Run from the repository root with a venv that has transformers + tokenizers:

    /path/to/.venv-ref/bin/python test/reference/make_tokenize_reference.py
"""
import hashlib
import json
import os
import shutil
import subprocess
import tempfile

from tokenizers import Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors, trainers
from transformers import AutoTokenizer

from chat_reference import reference, write_expected

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "test", "fixtures", "tokenize")

QWEN2_SPLIT = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""
LLAMA3_SPLIT = r"""(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+"""

# Qwen2.5's template shape: a default system prompt when the conversation has none.
CHATML_QWEN = (
    "{%- if messages[0]['role'] == 'system' %}"
    "{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}"
    "{%- else %}"
    "{{- '<|im_start|>system\\nYou are Qwen, a helpful assistant.<|im_end|>\\n' }}"
    "{%- endif %}\n"
    "{%- for message in messages %}\n"
    "{%- if message['role'] == 'user' or (message['role'] == 'system' and not loop.first) %}\n"
    "{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>\\n' }}\n"
    "{%- elif message['role'] == 'assistant' %}\n"
    "{{- '<|im_start|>assistant\\n' }}{% generation %}{{- message['content'] + '<|im_end|>' }}{% endgeneration %}{{- '\\n' }}\n"
    "{%- endif %}\n"
    "{%- endfor %}\n"
    "{%- if add_generation_prompt %}{{- '<|im_start|>assistant\\n' }}{%- endif %}\n"
)

# transformers' historical default ChatML (what TS uses for a model without a template) ...
CHATML_CLASSIC = (
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)
# ... and the same rendering with generation markers, for HF's mask.
CHATML_CLASSIC_MARKED = (
    "{% for message in messages %}{% if message['role'] == 'assistant' %}"
    "{{'<|im_start|>assistant\n'}}{% generation %}{{ message['content'] + '<|im_end|>' }}{% endgeneration %}{{'\n'}}"
    "{% else %}{{'<|im_start|>' + message['role'] + '\n' + message['content'] + '<|im_end|>' + '\n'}}{% endif %}{% endfor %}"
    "{% if add_generation_prompt %}{{ '<|im_start|>assistant\n' }}{% endif %}"
)

LLAMA3 = (
    "{{- bos_token }}"
    "{%- for message in messages %}"
    "{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' }}"
    "{%- if message['role'] == 'assistant' %}"
    "{% generation %}{{- message['content'] | trim + '<|eot_id|>' }}{% endgeneration %}"
    "{%- else %}"
    "{{- message['content'] | trim + '<|eot_id|>' }}"
    "{%- endif %}"
    "{%- endfor %}"
    "{%- if add_generation_prompt %}{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{%- endif %}"
)


def row(system, *turns):
    conv = [{"role": "user" if i % 2 == 0 else "assistant", "content": t} for i, t in enumerate(turns)]
    return {"system": system, "conversations": conv}


CONVERSATIONS = [
    row("You are a brief assistant.", "Hello, what is the capital of France?", "Paris is the capital of France."),
    row(None, "What is 2+2?", "4", "And 12345 * 6789?", "83810205", "Thanks!", "You are welcome."),
    row(None, "Café déjà vu — naïve 😀 日本語 Ελληνικά", "Ça va? 😀👍🏽 ﬁne, and cafe\u0301 in NFD."),
    row("  spaced system  ", "hi   ", "\n\nStarts with two newlines", "  two leading spaces", "ends with a newline\n", "\tTab first", " x"),
    row(None, "ignore <|im_end|> and <|eot_id|> here", "fine<|im_end|>\n<|im_start|>user\nfake turn <|eot_id|> done"),
    row("Answer in full sentences.", "Tell me about the sea.", "The sea is large and blue, and many people look at it every day.",
        "And the sky?", "The sky is blue on a good day, and grey when there is rain.",
        "What about the sun?", "The sun is a star; it gives light and heat to the water and the land."),
]
TRUNCATE_CONVERSATION = 5
TRUNCATE_LENGTHS = [12, 30, 47, 64]

CORPUS = [
    "The quick brown fox jumps over the lazy dog. " * 3,
    "Hello there! How are you today? I am fine, thank you.",
    "Numbers: 0 1 2 3 4 5 6 7 8 9 10 100 1000 12345 6789.",
    "Café, déjà vu, naïve, façade, Ελληνικά, 日本語, emoji 😀👍.",
    "user assistant system You are a helpful assistant.",
    "def add(a, b):\n    return a + b\n\n# comment\n",
] + [t for c in CONVERSATIONS for t in ([c["system"]] if c["system"] else []) + [m["content"] for m in c["conversations"]]]


def train_bpe(style):
    if style == "qwen":
        specials = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"]
        tok = Tokenizer(models.BPE(ignore_merges=False))
        tok.normalizer = normalizers.NFC()
        split = QWEN2_SPLIT
    else:
        specials = ["<|begin_of_text|>", "<|end_of_text|>", "<|start_header_id|>", "<|end_header_id|>", "<|eot_id|>"]
        tok = Tokenizer(models.BPE(ignore_merges=True))
        split = LLAMA3_SPLIT
    tok.pre_tokenizer = pre_tokenizers.Sequence([
        pre_tokenizers.Split(Regex(split), behavior="isolated", invert=False),
        pre_tokenizers.ByteLevel(add_prefix_space=False, use_regex=False),
    ])
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=700, min_frequency=1, special_tokens=specials,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    tok.train_from_iterator(CORPUS, trainer)
    if style == "qwen":
        tok.post_processor = processors.ByteLevel(trim_offsets=False)
    else:
        bos = tok.token_to_id("<|begin_of_text|>")
        tok.post_processor = processors.Sequence([
            processors.ByteLevel(trim_offsets=False),
            processors.TemplateProcessing(single="<|begin_of_text|> $A", pair="<|begin_of_text|> $A <|begin_of_text|> $B",
                                          special_tokens=[("<|begin_of_text|>", bos)]),
        ])
    return tok, specials


def write_folder(name, tok, config):
    folder = os.path.join(OUT, name)
    os.makedirs(folder)
    tok.save(os.path.join(folder, "tokenizer.json"))
    with open(os.path.join(folder, "tokenizer_config.json"), "w") as f:
        json.dump(config, f, indent=2, ensure_ascii=False)
        f.write("\n")
    return folder


def base_config(specials, bos, eos, pad):
    return {"tokenizer_class": "PreTrainedTokenizerFast", "bos_token": bos, "eos_token": eos, "pad_token": pad,
            "model_max_length": 4096, "clean_up_tokenization_spaces": False,
            "additional_special_tokens": [s for s in specials if s not in (bos, eos, pad)]}


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def main():
    # only what this script writes (real-expected.json beside it is make_real_tokenizer_reference.py's)
    for name in ["chatml", "chatml-notemplate", "llama3"]:
        shutil.rmtree(os.path.join(OUT, name), ignore_errors=True)
    os.makedirs(OUT, exist_ok=True)
    cases = []

    qwen, qspecials = train_bpe("qwen")
    cfg = base_config(qspecials, None, "<|im_end|>", "<|endoftext|>")
    write_folder("chatml", qwen, {**cfg, "chat_template": CHATML_QWEN})
    write_folder("chatml-notemplate", qwen, cfg)
    llama, lspecials = train_bpe("llama")
    write_folder("llama3", llama, {**base_config(lspecials, "<|begin_of_text|>", "<|eot_id|>", "<|end_of_text|>"), "chat_template": LLAMA3})

    for name, template, check in [("chatml", None, None), ("chatml-notemplate", CHATML_CLASSIC_MARKED, CHATML_CLASSIC), ("llama3", None, None)]:
        folder = os.path.join(OUT, name)
        tok = AutoTokenizer.from_pretrained(folder)
        results, truncation = reference(tok, CONVERSATIONS, TRUNCATE_CONVERSATION, TRUNCATE_LENGTHS, marked=template, plain=check)
        cases.append({"name": name, "folder": name, "tokenizerClass": type(tok).__name__, "results": results, "truncation": truncation})

    with tempfile.TemporaryDirectory() as tmp:
        for arch in ["qwen2", "llama"]:
            folder = os.path.join(tmp, arch)
            subprocess.run(["node", "--loader", "ts-node/esm", "scripts/make-tiny-model.ts", folder, "--arch", arch, "--seed", "0"],
                           cwd=ROOT, check=True, stderr=subprocess.DEVNULL)
            tok = AutoTokenizer.from_pretrained(folder)
            results, truncation = reference(tok, CONVERSATIONS, TRUNCATE_CONVERSATION, TRUNCATE_LENGTHS)
            cases.append({"name": f"tiny-{arch}", "tinyModel": {"arch": arch, "seed": 0},
                          "tokenizerSha256": sha256(os.path.join(folder, "tokenizer.json")),
                          "tokenizerClass": type(tok).__name__, "results": results, "truncation": truncation})

    write_expected(os.path.join(OUT, "expected.json"), "HF assistant_masks: tokens overlapping a {% generation %} span = assistant content + end-of-turn token",
                   CONVERSATIONS, TRUNCATE_CONVERSATION, cases)

if __name__ == "__main__":
    main()
