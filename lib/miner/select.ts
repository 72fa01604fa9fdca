/**
 * Choosing a flock-off-s1 submission: `size` rows of the eval set that train the lowest
 * eval loss. Each candidate is scored the way validators score it (evaluateDataset with
 * the competition's config, on the whole eval set), with hypothetical seeds (the real one
 * is the hash of the block the commitment lands in). The search: a seeded random selection,
 * then repeatedly the best one so far with `swap` of its rows exchanged for unused ones,
 * kept when it scores lower, until the time budget or the candidate limit. Every candidate
 * passes the competition's eligibility check (the validator's own function) by construction,
 * and rows are copied verbatim from the eval file, so they are identical to its rows.
 */
import { checkSelection, readRawRows } from '../competition/flock-off-s1/selection.js'
import type { CompetitionConfig } from '../config/index.js'
import { evaluateDataset, hypotheticalEvaluationSeeds, prepareEvalSet } from '../evaluate/index.js'
import { InvalidArgumentError } from '../errors.js'
import { loadBaseModel } from '../native/model.js'
import { loadChatTokenizer } from '../tokenize/index.js'
import { SeededRandom } from '../util/seeded-random.js'

export interface SelectOptions {
  evalPath: string
  modelDir: string
  config: CompetitionConfig
  /** rows per selection */
  size: number
  /** stop starting candidates after this long (the one under way finishes); default 600 s */
  timeBudgetMs?: number
  /** at most this many candidates (default: as many as the budget allows) */
  maxCandidates?: number
  /** rows exchanged per step of the search (default 10) */
  swap?: number
  /** hypothetical seeds each candidate is scored with, averaged (default 1) */
  seeds?: number
  /** seed of the search itself (default 0) */
  searchSeed?: number
  numThreads?: number
  onCandidate?: (c: SelectCandidate) => void
  signal?: AbortSignal
}

export interface SelectCandidate {
  index: number
  loss: number
  kept: boolean
  seconds: number
}

export interface SelectResult {
  /** the chosen rows, as written in the eval file (one JSONL line each) */
  lines: string[]
  loss: number
  /** the first (random) selection's loss, for comparison */
  firstLoss: number
  candidates: SelectCandidate[]
  evalRows: number
  seconds: number
}

export async function selectRows(o: SelectOptions): Promise<SelectResult> {
  const started = performance.now()
  const elapsed = () => performance.now() - started
  const signal = o.signal ? { signal: o.signal } : {}
  const evalRows = await readRawRows(o.evalPath, signal)
  // distinct rows only: a selection that repeats a row is not eligible
  const distinct: number[] = []
  const seen = new Set<string>()
  evalRows.keys.forEach((k, i) => {
    if (!seen.has(k)) distinct.push(i)
    seen.add(k)
  })
  if (distinct.length < o.size) throw new InvalidArgumentError(`the eval set has ${distinct.length} distinct rows, fewer than the ${o.size} a selection needs`)
  const swap = Math.min(o.swap ?? 10, o.size, distinct.length - o.size)
  const budget = o.timeBudgetMs ?? 600_000
  const rng = new SeededRandom(o.searchSeed ?? 0, 'flock-miner-select')
  const seeds = hypotheticalEvaluationSeeds(o.seeds ?? 1)
  const evalKeys = new Set(evalRows.keys)

  const model = await loadBaseModel(o.modelDir, { numThreads: o.numThreads ?? 0 })
  try {
    const tokenizer = await loadChatTokenizer(o.modelDir)
    const evalSet = await prepareEvalSet(tokenizer, { path: o.evalPath }, { maxSeqLen: o.config.training.maxSeqLen, config: o.config, ...signal })
    const score = async (rows: readonly number[]): Promise<number> => {
      const check = checkSelection(rows.map((i) => evalRows.keys[i]!), evalKeys)
      if (!check.ok) throw new Error(`select built an ineligible selection: ${check.reason}`) // cannot happen: rows are distinct eval rows
      const jsonl = rows.map((i) => evalRows.lines[i]!).join('\n') + '\n'
      let sum = 0
      for (const seed of seeds) sum += (await evaluateDataset({ model, tokenizer, train: { jsonl }, eval: evalSet, config: o.config, seed, ...signal })).evalLoss
      return sum / seeds.length
    }
    const pool = [...distinct]
    for (let i = pool.length - 1; i > 0; i--) {
      const j = rng.int(i + 1)
      ;[pool[i], pool[j]] = [pool[j]!, pool[i]!]
    }
    let best = pool.slice(0, o.size)
    let unused = pool.slice(o.size)
    const candidates: SelectCandidate[] = []
    const record = (loss: number, kept: boolean, t0: number) => {
      const c = { index: candidates.length, loss, kept, seconds: (performance.now() - t0) / 1000 }
      candidates.push(c)
      o.onCandidate?.(c)
    }
    let t0 = performance.now()
    let bestLoss = await score(best)
    const firstLoss = bestLoss
    record(bestLoss, true, t0)
    while (swap > 0 && elapsed() < budget && candidates.length < (o.maxCandidates ?? Infinity) && !o.signal?.aborted) {
      t0 = performance.now()
      const out = new Set<number>()
      while (out.size < swap) out.add(rng.int(o.size))
      const take = new Set<number>()
      while (take.size < swap) take.add(rng.int(unused.length))
      const outIdx = [...out]
      const takeIdx = [...take]
      const next = [...best]
      const nextUnused = [...unused]
      outIdx.forEach((pos, k) => {
        const u = takeIdx[k]!
        next[pos] = unused[u]!
        nextUnused[u] = best[pos]!
      })
      const loss = await score(next)
      const kept = loss < bestLoss
      if (kept) {
        best = next
        unused = nextUnused
        bestLoss = loss
      }
      record(loss, kept, t0)
    }
    return { lines: best.map((i) => evalRows.lines[i]!), loss: bestLoss, firstLoss, candidates, evalRows: evalRows.keys.length, seconds: elapsed() / 1000 }
  } finally {
    model.dispose()
  }
}
