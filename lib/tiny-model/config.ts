/** config.json of a Qwen2 or Llama model folder, as transformers writes it. */
import type { TinyArch } from './tokenizer.js'
import type { TinyDims } from './weights.js'

export interface HfConfigOptions {
  arch: TinyArch
  dims: TinyDims
  maxPositionEmbeddings: number
  rmsNormEps: number
  ropeTheta: number
  bosTokenId: number | null
  eosTokenId: number
  torchDtype: 'float32' | 'bfloat16'
  /** Further keys, written after the standard ones (e.g. head_dim, rope_scaling). */
  extra?: Record<string, unknown>
}

export function architectureName(arch: TinyArch): 'Qwen2ForCausalLM' | 'LlamaForCausalLM' {
  return arch === 'qwen2' ? 'Qwen2ForCausalLM' : 'LlamaForCausalLM'
}

export function hfModelConfig(o: HfConfigOptions): Record<string, unknown> {
  const d = o.dims
  return {
    architectures: [architectureName(o.arch)],
    model_type: o.arch,
    vocab_size: d.vocabSize,
    hidden_size: d.hiddenSize,
    intermediate_size: d.intermediateSize,
    num_hidden_layers: d.numLayers,
    num_attention_heads: d.numHeads,
    num_key_value_heads: d.numKvHeads,
    hidden_act: 'silu',
    max_position_embeddings: o.maxPositionEmbeddings,
    rms_norm_eps: o.rmsNormEps,
    rope_theta: o.ropeTheta,
    tie_word_embeddings: d.tieWordEmbeddings,
    bos_token_id: o.bosTokenId,
    eos_token_id: o.eosTokenId,
    torch_dtype: o.torchDtype,
    ...(o.arch === 'qwen2' ? { use_sliding_window: false } : { attention_bias: false, mlp_bias: false }),
    ...o.extra,
  }
}
