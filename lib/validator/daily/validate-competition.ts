/**
 * One validation pass over a flock-off-s1 competition's recorded submissions, through the
 * one evaluation path (dispatch.ts): each dataset is downloaded at the sha its revision
 * names now and validated (the failure policy decides what fails), its selection — the
 * first SELECTION_SIZE rows — read; then, over every selection read, the duplicate rule;
 * then each submission is ineligible (rows outside the eval set, a duplicate, a revision
 * that is not a sha prefix — the live checks, in the live order) or trained. A pass cut
 * short by the epoch's end leaves the rest for the next; results are never redone.
 */
import { commitmentId, resultKey } from '../context.js'
import { precheckDataset, type MinerRun } from '../miner-run.js'
import { precheckQueue, RoundRun, runJobs, type DispatchInput, type ReadyJob } from '../dispatch.js'
import type { Candidate } from '../candidates.js'
import type { QueueItem } from '../round-order.js'
import type { MinerResult } from '../store/index.js'
import { fetchDataset } from '../../hub/index.js'
import { DUPLICATE_SHARED_ROWS } from '../../competition/flock-off-s1/constants.js'
import { checkRevision } from '../../competition/flock-off-s1/revision.js'
import { findDuplicates, type SelectionEntry } from '../../competition/flock-off-s1/duplicates.js'
import { checkSelection, readSelection, type RowKey } from '../../competition/flock-off-s1/selection.js'
import { resolveCommittedDataset, type CommitmentRules } from '../../competition/index.js'
import type { CompetitionRecord } from './state.js'

export interface ValidatePassInput extends Omit<DispatchInput, 'queue' | 'original'> {
  competition: CompetitionRecord
  commitment: CommitmentRules
  /** The eval set's rows (their keys). */
  evalRows: ReadonlySet<RowKey>
}

interface Read {
  keys: RowKey[]
  revisionProblem: string | null
}

/** The candidates of a competition: its recorded submissions, parsed with its codec (no registration check, as live). */
export function submissionCandidates(c: CompetitionRecord, codec: CommitmentRules): Candidate[] {
  return Object.values(c.submissions)
    .map((s) => {
      const parsed = codec.parse(s.text)
      const base = { uid: s.uid, hotkey: s.hotkey, registeredAt: 0, commitBlock: s.block, text: s.text, id: commitmentId(s.hotkey, s.block, s.text) }
      return parsed.ok
        ? { ...base, commitment: parsed.commitment, problem: null }
        : { ...base, commitment: null, problem: { code: 'invalid-commitment' as const, reason: parsed.reason } }
    })
    .sort((a, b) => a.uid - b.uid)
}

export async function validatePass(i: ValidatePassInput): Promise<{ evaluated: MinerResult[]; deferred: number; done: boolean }> {
  const { deps } = i
  const round = new RoundRun(i)
  const candidates = submissionCandidates(i.competition, i.commitment)
  const current = (c: Candidate) => deps.store.get(resultKey(deps.context, c.id))
  for (const c of candidates) {
    if (!c.problem || current(c)) continue
    const result: MinerResult = {
      key: resultKey(deps.context, c.id), context: deps.context, hotkey: c.hotkey, uid: c.uid, commitBlock: c.commitBlock, commitment: c.text,
      status: c.problem.code, reason: c.problem.reason, final: true, attempts: 0, loss: null, contentHash: null, fileSha256: null,
      proofValid: null, duplicateOf: null, seconds: 0, at: new Date().toISOString(),
    }
    await deps.store.recordResult(result)
    round.decided(result)
  }
  const parsed = candidates.filter((c) => c.commitment !== null)
  const open = parsed.filter((c) => !current(c)?.final)
  const queue: QueueItem[] = open.map((c) => ({ candidate: c, tier: 'new', previous: current(c) }))

  // 1. download, validate, read each open submission's selection
  const reads = new Map<string, Read>()
  const locate = (run: MinerRun) => async (signal: AbortSignal) => {
    const location = await resolveCommittedDataset(deps.cache, run.commitment, signal)
    const problem = checkRevision(run.commitment.revision, location.revision)
    reads.set(run.key, { keys: [], revisionProblem: problem.ok ? null : problem.reason })
    return location
  }
  const pre = await precheckQueue(round, queue, (run, signal) =>
    precheckDataset(deps, run, signal, {
      locate: locate(run),
      async check(file, _contentHash, runSignal) {
        try {
          reads.get(run.key)!.keys = (await readSelection(file.file, { signal: runSignal })).keys
          return null
        } catch (err) {
          if (runSignal.aborted) throw err
          return run.record('invalid-dataset', `its first rows cannot be read: ${(err as Error).message}`)
        }
      },
    }),
  )

  // 2. the duplicate rule, over every submission whose selection can be read (finished ones too)
  const entries: SelectionEntry[] = []
  for (const c of parsed) {
    const key = resultKey(deps.context, c.id)
    const keys = reads.get(key)?.keys ?? (current(c)?.final ? await finishedSelection(i, c) : null)
    if (keys && keys.length > 0) entries.push({ uid: c.uid, hotkey: c.hotkey, commitBlock: c.commitBlock, keys })
  }
  const duplicates = findDuplicates(entries)

  // 3. the live checks, in the live order; the rest are trained
  const jobs: ReadyJob[] = []
  for (const r of pre.ready) {
    const c = r.run.item.candidate
    const read = reads.get(r.run.key)!
    const inEval = checkSelection(read.keys, i.evalRows)
    const dup = duplicates.get(c.uid)
    if (!inEval.ok) round.decided(await r.run.record('not-in-eval-set', inEval.reason))
    else if (dup) {
      r.run.facts.duplicateOf = { hotkey: dup.of.hotkey, commitBlock: dup.of.commitBlock }
      round.decided(await r.run.record('duplicate', `shares ${dup.shared} of its first rows with uid ${dup.of.uid}'s selection (${dup.of.hotkey.slice(0, 8)}…), committed earlier at block ${dup.of.commitBlock}; more than ${DUPLICATE_SHARED_ROWS} shared rows is a duplicate`))
    } else if (read.revisionProblem) round.decided(await r.run.record('invalid-revision', read.revisionProblem))
    else jobs.push(r)
  }
  const waiting = await runJobs(round, jobs)
  const deferred = pre.deferred + waiting
  const done = deferred === 0 && parsed.every((c) => current(c)?.final)
  return { evaluated: round.evaluated, deferred, done }
}

/** The selection of a submission already decided: read again through the cache, for the duplicate rule. */
async function finishedSelection(i: ValidatePassInput, c: Candidate): Promise<RowKey[] | null> {
  try {
    const file = await fetchDataset(i.deps.cache, await resolveCommittedDataset(i.deps.cache, c.commitment!, i.signal), i.deps.config.dataset.maxBytes, i.signal)
    return (await readSelection(file.file, { signal: i.signal })).keys
  } catch {
    return null
  }
}

