// The validator as a process: killed with SIGKILL in the middle of a round and started
// again, it loses no recorded result and evaluates no finished miner twice; SIGTERM stops
// it cleanly mid-round (exit 0, store intact); the third start finishes the round and sets
// weights on the local chain.
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'

import { mergeCompetitionConfig } from '../../lib/config/index.js'
import { countingRows, localCompetitionConfig, toJsonl } from '../../lib/local-subnet/index.js'
import { trainingKey } from '../../lib/validator/miner-run.js'
import { ResultStore, type StoreState } from '../../lib/validator/store/index.js'
import { localSubnet, type TestMiner } from '../helpers/local-subnet.js'
import { binPath } from '../helpers/bin.js'
import { repoRoot } from '../helpers/paths.js'

const MINERS = 6

interface Child {
  stdout: string[]
  stderr: string
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
  kill(signal: NodeJS.Signals): void
}

function startValidator(args: string[]): Child {
  const child = spawn(process.execPath, [binPath('flock-validator'), ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
  const out: Child = { stdout: [], stderr: '', exit: new Promise((resolve) => child.on('close', (code, signal) => resolve({ code, signal }))), kill: (s) => child.kill(s) }
  let buf = ''
  child.stdout.on('data', (d: Buffer) => {
    buf += d.toString()
    const lines = buf.split('\n')
    buf = lines.pop()!
    out.stdout.push(...lines)
  })
  child.stderr.on('data', (d: Buffer) => (out.stderr += d.toString()))
  return out
}

const scored = (s: StoreState) => Object.values(s.results).filter((r) => r.status === 'scored')
/** Trainings of a result key are counted under trainingKey(key). */
const trained = (s: StoreState, key: string) => s.starts[trainingKey(key)] ?? 0

/** Polls the store (read-only) until `done`; fails if the process exits first. */
async function waitForStore(dir: string, child: Child, done: (s: StoreState) => boolean): Promise<StoreState> {
  let exited = false
  void child.exit.then(() => (exited = true))
  for (;;) {
    const s = await ResultStore.peek(dir).catch(() => null)
    if (s && done(s)) return s
    if (exited) throw new Error(`validator exited early:\n${child.stderr}`)
    await new Promise((r) => setTimeout(r, 25))
  }
}

t.test('SIGKILL mid-round, SIGTERM mid-round, then a clean finish', async (t) => {
  const s = await localSubnet(t, { tempo: 1000 })
  const miners: TestMiner[] = []
  for (let i = 0; i < MINERS; i++) miners.push(await s.addMiner(`m${i}`, { content: toJsonl(countingRows(64, 20 + i)) }))
  // a larger step budget than the local default, so a round lasts long enough to be interrupted
  const configPath = join(s.dir, 'config.json')
  writeFileSync(configPath, JSON.stringify(mergeCompetitionConfig(localCompetitionConfig, { budget: { maxTrainRows: 64, optimizerSteps: 80 } })))
  const args = ['--local', '--once', '--json', '--state-dir', s.dir, '--netuid', String(s.netuid), '--config', configPath, '--threads', '1']
  const storeDir = join(s.dir, 'validator', 'store')

  // 1. SIGKILL once at least one result is recorded
  const a = startValidator(args)
  const atKill = await waitForStore(storeDir, a, (st) => scored(st).length >= 1)
  a.kill('SIGKILL')
  t.same(await a.exit, { code: null, signal: 'SIGKILL' })
  const afterKill = await ResultStore.peek(storeDir)
  const finishedA = scored(afterKill)
  t.ok(finishedA.length >= scored(atKill).length && finishedA.length >= 1 && finishedA.length < MINERS, `killed mid-round: ${finishedA.length} of ${MINERS} finished`)

  // 2. restart; SIGTERM once one more result is recorded and the next run has started
  const b = startValidator(args)
  const running = (st: StoreState) => Object.keys(st.results).length < MINERS && Object.keys(st.starts).some((k) => st.starts[k]! > (afterKill.starts[k] ?? 0))
  await waitForStore(storeDir, b, (st) => scored(st).length > finishedA.length && running(st))
  b.kill('SIGTERM')
  const bExit = await b.exit
  t.same(bExit, { code: 0, signal: null }, 'SIGTERM: a clean exit')
  if (bExit.code !== 0) t.comment(b.stderr.slice(-3000))
  const afterTerm = await ResultStore.peek(storeDir)
  const finishedB = scored(afterTerm)
  t.ok(finishedB.length < MINERS, `stopped mid-round: ${finishedB.length} of ${MINERS} finished`)
  // (in-process, stop.test.ts shows deterministically that a stop mid-run abandons it)
  t.ok(Object.values(afterTerm.abandoned).reduce((a, b) => a + b, 0) <= 1, 'at most the run in progress was abandoned')

  // 3. restart and finish
  const c = startValidator(args)
  const cExit = await c.exit
  t.same(cExit, { code: 0, signal: null }, 'the third run finishes the round')
  if (cExit.code !== 0) t.comment(c.stderr.slice(-2000))
  const final = await ResultStore.peek(storeDir)
  t.equal(scored(final).length, MINERS, 'every miner scored')
  for (const r of finishedA) {
    t.same(final.results[r.key], r, `uid ${r.uid}: the result recorded before SIGKILL is kept as it was`)
    t.equal(trained(final, r.key), trained(afterKill, r.key), `uid ${r.uid}: not evaluated again after SIGKILL`)
  }
  for (const r of finishedB) t.equal(trained(final, r.key), trained(afterTerm, r.key), `uid ${r.uid}: not evaluated again after SIGTERM`)
  // every training start is a finished run, an abandoned one, or the one SIGKILL cut short (at most one)
  const cutShort = Object.keys(final.results).map((k) => trained(final, k) - 1 - (final.abandoned[trainingKey(k)] ?? 0))
  t.ok(cutShort.every((n) => n === 0 || n === 1), 'no run unaccounted for')
  t.ok(cutShort.reduce((x, y) => x + y, 0) <= 1, 'only the SIGKILL can have cut a run short')

  const roundEnd = c.stdout.map((l) => JSON.parse(l) as { event: string; sent?: { status: string }; weights?: { uids: number[]; values: number[] } }).find((e) => e.event === 'round-end')
  t.equal(roundEnd?.sent?.status, 'set', 'the finishing run set weights')
  const validatorUid = (await s.net.chain.metagraph(s.netuid)).neurons.find((n) => n.hotkey === s.net.validatorHotkey)!.uid
  const onChain = (await s.net.chain.weights(s.netuid)).get(validatorUid)
  t.same(onChain, roundEnd!.weights!.uids.map((u, i) => [u, roundEnd!.weights!.values[i]]), 'the weights are on the chain')
  t.ok(roundEnd!.weights!.uids.every((u) => miners.some((m) => m.uid === u)), 'weights go to the miners')
})
