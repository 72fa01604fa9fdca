/**
 * Chat templates of the tiny models, written the way Qwen2.5 (ChatML) and
 * Llama 3 write theirs. The {% generation %} markers are no-ops when rendering
 * (@huggingface/jinja strips them); HF transformers uses them to compute its
 * assistant mask, which the reference fixtures compare ours against.
 */
export const TINY_CHATML_TEMPLATE = [
  "{%- if messages[0]['role'] == 'system' %}",
  "{{- '<|im_start|>system\\n' + messages[0]['content'] + '<|im_end|>\\n' }}",
  '{%- else %}',
  "{{- '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}",
  '{%- endif %}',
  '{%- for message in messages %}',
  "{%- if message['role'] == 'user' %}",
  "{{- '<|im_start|>user\\n' + message['content'] + '<|im_end|>\\n' }}",
  "{%- elif message['role'] == 'assistant' %}",
  "{{- '<|im_start|>assistant\\n' }}{% generation %}{{- message['content'] + '<|im_end|>' }}{% endgeneration %}{{- '\\n' }}",
  '{%- endif %}',
  '{%- endfor %}',
  '{%- if add_generation_prompt %}',
  "{{- '<|im_start|>assistant\\n' }}",
  '{%- endif %}',
].join('\n')

export const TINY_LLAMA3_TEMPLATE = [
  '{{- bos_token }}',
  '{%- for message in messages %}',
  "{{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n' }}",
  "{%- if message['role'] == 'assistant' %}",
  "{% generation %}{{- message['content'] | trim + '<|eot_id|>' }}{% endgeneration %}",
  '{%- else %}',
  "{{- message['content'] | trim + '<|eot_id|>' }}",
  '{%- endif %}',
  '{%- endfor %}',
  '{%- if add_generation_prompt %}',
  "{{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}",
  '{%- endif %}',
].join('\n')
