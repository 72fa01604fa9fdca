import type { MinerResult } from '../../lib/validator/store/index.js'

export function fakeResult(key: string, i: number, over: Partial<MinerResult> = {}): MinerResult {
  return {
    key, context: 'ctx', hotkey: `hk-${i}`, uid: i % 256, commitBlock: 10 + i, commitment: `owner/repo-${i}:${'a'.repeat(40)}:${'b'.repeat(32)}`,
    status: 'scored', reason: 'scored', final: true, attempts: 1, loss: 1 + i / 1000, contentHash: `${i}`.padStart(64, '0'),
    fileSha256: null, proofValid: true, duplicateOf: null, seconds: 0.5, at: new Date(0).toISOString(), ...over,
  }
}
