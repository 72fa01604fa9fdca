/**
 * The work of a bench run in floating-point operations ("model FLOPs"): what the
 * computation needs, counted the same for ours and the reference on the same model and
 * tokens, so GFLOP/s = tokens/s × FLOPs per token compares like with like.
 *
 * A multiply-add is 2 FLOPs. Forward: the frozen linears (2·in·out per token), the LoRA
 * path (2·r·(in + out) per adapted module), attention Q·Kᵀ and P·V over each token's
 * visible keys (causal within its sequence: 4·head_dim·heads per pair), the LM head on
 * target positions only (2·hidden·vocab; positions without a target need no logits).
 * Training adds the backward: the frozen linears' input gradient (not below layer 0's
 * q/k/v, where only the frozen embedding remains), LoRA's 2·r·(2·out + 2·in) (gB, du, gA,
 * dx), attention's four products (twice the forward) and the LM head's input gradient.
 * Frozen weights get no gradient. Norms, RoPE, SwiGLU and the optimizer are memory-bound
 * and not counted. Sliding windows are ignored (the bench shapes' sequences fit in them).
 */
import type { ModelInfo } from '../native/model.js'

export type FlopModel = Pick<ModelInfo, 'hiddenSize' | 'intermediateSize' | 'numLayers' | 'numHeads' | 'numKvHeads' | 'headDim' | 'vocabSize'>

export type LoraModule = 'q' | 'k' | 'v' | 'o' | 'gate' | 'up' | 'down'
export const ALL_LINEAR: readonly LoraModule[] = ['q', 'k', 'v', 'o', 'gate', 'up', 'down']

export interface FlopSequence {
  tokens: number
  /** positions with a loss target */
  targets: number
}

export interface FlopOptions {
  kind: 'train' | 'eval'
  loraRank: number
  loraModules: readonly LoraModule[]
}

/** [in, out] of each linear of a layer. */
function linears(m: FlopModel): Record<LoraModule, [number, number]> {
  const H = m.hiddenSize, Q = m.numHeads * m.headDim, KV = m.numKvHeads * m.headDim, I = m.intermediateSize
  return { q: [H, Q], k: [H, KV], v: [H, KV], o: [Q, H], gate: [H, I], up: [H, I], down: [I, H] }
}

export function modelFlops(m: FlopModel, seqs: readonly FlopSequence[], o: FlopOptions): number {
  const lin = linears(m)
  const names = Object.keys(lin) as LoraModule[]
  const train = o.kind === 'train'
  const sumLin = (which: readonly LoraModule[]) => which.reduce((a, n) => a + 2 * lin[n][0] * lin[n][1], 0)
  const perLayerLinear = sumLin(names)
  const layer0InputGrad = sumLin(['q', 'k', 'v'])
  const r = o.loraRank
  const loraFwd = o.loraModules.reduce((a, n) => a + 2 * r * (lin[n][0] + lin[n][1]), 0)
  const loraBwd = o.loraModules.reduce((a, n) => a + 2 * r * (2 * lin[n][0] + 2 * lin[n][1]), 0)
  const loraBwdLayer0 = o.loraModules.reduce((a, n) => a + (['q', 'k', 'v'].includes(n) ? 2 * r * lin[n][0] : 0), 0)
  const L = m.numLayers
  const head = 2 * m.hiddenSize * m.vocabSize
  let total = 0
  for (const s of seqs) {
    const T = s.tokens
    const pairs = (T * (T + 1)) / 2
    const attnFwd = 4 * m.headDim * m.numHeads * pairs
    let f = L * (T * (perLayerLinear + loraFwd) + attnFwd) + s.targets * head
    if (train) f += L * (T * (perLayerLinear + loraBwd) + 2 * attnFwd) - T * (layer0InputGrad + loraBwdLayer0) + s.targets * head
    total += f
  }
  return total
}
