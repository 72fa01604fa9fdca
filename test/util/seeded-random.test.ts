// The seeded random stream is deterministic, separated by stream name, and in range.
import t from 'tap'

import { SeededRandom } from '../../lib/index.js'

t.test('deterministic for a seed and stream, different otherwise', async (t) => {
  const take = (r: SeededRandom) => Array.from({ length: 20 }, () => r.uint32())
  t.same(take(new SeededRandom(42)), take(new SeededRandom(42)))
  t.same(take(new SeededRandom(42n)), take(new SeededRandom(42)), 'a bigint seed equals the same number')
  t.notSame(take(new SeededRandom(42)), take(new SeededRandom(43)))
  t.notSame(take(new SeededRandom(42, 'a')), take(new SeededRandom(42, 'b')))
  t.notSame(take(new SeededRandom('42')), take(new SeededRandom(42)), 'a string seed is not the number')
  t.same(take(new SeededRandom(new Uint8Array([1, 2, 3]))), take(new SeededRandom(Buffer.from([1, 2, 3]))))
})

t.test('values stay in range and look uniform', async (t) => {
  const r = new SeededRandom(7)
  const counts = new Array(6).fill(0)
  let sum = 0
  let sq = 0
  let outOfRange = 0
  const n = 60_000
  for (let i = 0; i < n; i++) {
    const k = r.int(6)
    counts[k]++
    const f = r.float()
    if (!(f >= 0 && f < 1)) outOfRange++
    const z = r.normal()
    sum += z
    sq += z * z
  }
  t.equal(outOfRange, 0, 'every float in [0, 1)')
  for (const c of counts) t.ok(Math.abs(c - n / 6) < 0.05 * (n / 6), `bucket ${c} near ${n / 6}`)
  t.ok(Math.abs(sum / n) < 0.03, `normal mean ${sum / n}`)
  t.ok(Math.abs(sq / n - 1) < 0.03, `normal variance ${sq / n}`)
  t.throws(() => r.int(0), { code: 'E_INVALID_ARGUMENT' })
  t.throws(() => new SeededRandom(1.5), { code: 'E_INVALID_ARGUMENT' })
})
