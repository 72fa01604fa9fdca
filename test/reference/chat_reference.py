"""What HF transformers gives for chat rows, shared by the tokenization reference scripts:
the rendered text, the token ids and the assistant mask (return_assistant_tokens_mask=True:
tokens overlapping a {% generation %} span), for each conversation and for one of them cut to
several lengths."""
import json
import sys

import tokenizers
import transformers


def messages_of(r):
    return ([{"role": "system", "content": r["system"]}] if r["system"] is not None else []) + r["conversations"]


def reference(tok, conversations, truncate_index, truncate_lengths, marked=None, plain=None, raw=None):
    """marked: a template with {% generation %} markers (None: the tokenizer's own); plain: the
    same template without them, which must render the same text; raw: a `tokenizers.Tokenizer`
    read from tokenizer.json, which must give the same ids."""
    results = []
    for r in conversations:
        msgs = messages_of(r)
        text = tok.apply_chat_template(msgs, tokenize=False, chat_template=plain if plain is not None else marked)
        if plain is not None:
            assert text == tok.apply_chat_template(msgs, tokenize=False, chat_template=marked), "marked and plain templates render differently"
        out = tok.apply_chat_template(msgs, tokenize=True, return_dict=True, return_assistant_tokens_mask=True, chat_template=marked)
        assert out["input_ids"] == tok(text, add_special_tokens=False)["input_ids"]
        if raw is not None:
            # transformers 5 builds Qwen2Tokenizer from vocab + merges with its own pre-tokenizer;
            # with these files it must agree with tokenizer.json read as written (see README)
            assert out["input_ids"] == raw.encode(text, add_special_tokens=False).ids, "transformers and tokenizer.json disagree"
        assert sum(out["assistant_masks"]) > 0
        results.append({"text": text, "ids": out["input_ids"], "mask": out["assistant_masks"]})
    truncation = []
    msgs = messages_of(conversations[truncate_index])
    for n in truncate_lengths:
        out = tok.apply_chat_template(msgs, tokenize=True, return_dict=True, return_assistant_tokens_mask=True,
                                      chat_template=marked, truncation=True, max_length=n)
        assert len(out["input_ids"]) == n
        truncation.append({"maxLength": n, "ids": out["input_ids"], "mask": out["assistant_masks"]})
    return results, truncation


def write_expected(path, mask_definition, conversations, truncate_index, cases):
    """The fixture the TypeScript tests read, and one summary line per case on stderr."""
    expected = {
        "generator": f"transformers {transformers.__version__}, tokenizers {tokenizers.__version__}",
        "maskDefinition": mask_definition,
        "conversations": conversations,
        "truncateConversation": truncate_index,
        "cases": cases,
    }
    with open(path, "w") as f:
        json.dump(expected, f, ensure_ascii=False)
        f.write("\n")
    for c in cases:
        print(c["name"], c["tokenizerClass"], [len(r["ids"]) for r in c["results"]], file=sys.stderr)
