// Model FLOPs of a bench run: the count a reader can redo by hand, and the figure the
// issue quotes for qwen2.5-0.5b (about 2 GFLOP per trained token at seq 512).
import t from 'tap'

import { ALL_LINEAR, benchShape, modelFlops, type FlopModel } from '../../lib/bench/index.js'

const tiny: FlopModel = { hiddenSize: 4, intermediateSize: 6, numLayers: 2, numHeads: 2, numKvHeads: 1, headDim: 2, vocabSize: 10 }

t.test('eval: linears, LoRA, causal attention and the LM head on targets only, by hand', async (t) => {
  // per token and layer: q 4·4, k 4·2, v 4·2, o 4·4, gate/up 4·6 each, down 6·4 → 2·(16+8+8+16+24+24+24) = 240
  // LoRA r 1 on q only: 2·(4 + 4) = 16; attention over 3 tokens: 6 pairs · 4·2·2 = 96 per layer; head 2·4·10 = 80 per target
  const f = modelFlops(tiny, [{ tokens: 3, targets: 2 }], { kind: 'eval', loraRank: 1, loraModules: ['q'] })
  t.equal(f, 2 * (3 * (240 + 16) + 96) + 2 * 80)
  t.equal(modelFlops(tiny, [{ tokens: 3, targets: 0 }], { kind: 'eval', loraRank: 1, loraModules: ['q'] }), 2 * (3 * (240 + 16) + 96), 'no target, no logits')
})

t.test('train adds the input gradients (none below layer 0 q/k/v), LoRA backward, 2× attention, the head backward', async (t) => {
  const fwd = modelFlops(tiny, [{ tokens: 3, targets: 2 }], { kind: 'eval', loraRank: 1, loraModules: ['q'] })
  const train = modelFlops(tiny, [{ tokens: 3, targets: 2 }], { kind: 'train', loraRank: 1, loraModules: ['q'] })
  // backward: 2 layers · (3·(240 + 2·(2·4 + 2·4)) + 2·96) − layer 0: 3·(2·(16+8+8) + LoRA dx of q 2·4) + head 2·80
  t.equal(train - fwd, 2 * (3 * (240 + 32) + 192) - 3 * (64 + 8) + 160)
})

t.test('qwen2.5-0.5b at seq 512 with the bench mask: about 2 GFLOP per trained token', async (t) => {
  const d = benchShape('qwen2.5-0.5b').dims
  const m: FlopModel = { ...d, headDim: d.hiddenSize / d.numHeads }
  const seq = [{ tokens: 512, targets: 384 }]
  const perToken = modelFlops(m, seq, { kind: 'train', loraRank: 16, loraModules: ALL_LINEAR }) / 512 / 1e9
  t.ok(perToken > 1.9 && perToken < 2.1, `train ${perToken} GFLOP/token`)
  const evalPerToken = modelFlops(m, seq, { kind: 'eval', loraRank: 16, loraModules: ALL_LINEAR }) / 512 / 1e9
  t.ok(evalPerToken > 0.9 && evalPerToken < 1.0, `eval ${evalPerToken} GFLOP/token`)
})
