// The flock-off-s1 flows through the shipped CLIs (dist/bin), as a user types them on a local
// subnet: `flock-miner select` chooses 100 eval rows, `flock-miner submit --config
// flock-off-s1` publishes them in the live format (and refuses a selection with a row that is
// not in the eval set), a second miner submits a copy, then `flock-validator --local --config
// flock-off-s1 --once --utc_now ...` runs one day: the submission window records both, the
// validation scores the first and rules the copy a duplicate, the rewards window makes the
// first the winner and sets its weight. And `--demo --config flock-off-s1` exits 0 with the
// live rules at work, printing what the README shows.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

import { LocalChain } from '../../lib/chain/index.js'
import { localNetworkPaths } from '../../lib/local-subnet/index.js'
import { jsonLines, runBin, type BinRun } from '../helpers/bin.js'
import { repoRoot } from '../helpers/paths.js'
import { writeTestWallet } from '../helpers/wallets.js'

const dir = mkdtempSync(join(tmpdir(), 'flock-s1-e2e-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const state = join(dir, 'state')
const local = ['--local', '--state-dir', state, '--config', 'flock-off-s1']
const miner = (args: string[]) => runBin('flock-miner', [...args, ...local], { cwd: dir })
const json = (r: BinRun) => JSON.parse(r.stdout) as Record<string, unknown>
const first = await writeTestWallet(join(dir, 'wallets'), 's1-first')
const copier = await writeTestWallet(join(dir, 'wallets'), 's1-copier')
const selection = join(dir, 'selection.jsonl')

t.test('flock-miner select: 100 rows of the eval set, the best of the candidates scored', async (t) => {
  const r = await miner(['select', '--out', 'selection.jsonl', '--candidates', '3', '--json'])
  t.equal(r.code, 0, r.stderr)
  const out = json(r)
  t.match(out, { out: selection, rows: 100, candidates: 3, evalRows: 600 })
  t.ok((out.evalLoss as number) <= (out.firstLoss as number), 'the kept selection is no worse than the first')
  t.equal((r.stderr.match(/^candidate \d+: eval loss/gm) ?? []).length, 3, 'each candidate\'s loss on stderr')
  const lines = readFileSync(selection, 'utf8').trimEnd().split('\n')
  t.equal(new Set(lines).size, 100, '100 distinct rows')
  const bad = await miner(['select', '--out', 'x.jsonl', '--candidates', '0'])
  t.same([bad.code, bad.stderr.trim().split('\n').length], [2, 1], 'a bad value: exit 2, one line')
})

t.test('flock-miner submit --config flock-off-s1: the live commitment, checked against the eval set first', async (t) => {
  const lines = readFileSync(selection, 'utf8').trimEnd().split('\n')
  const outsider = join(dir, 'outsider.jsonl')
  writeFileSync(outsider, [...lines.slice(0, 99), JSON.stringify({ system: null, conversations: [{ role: 'user', content: 'mine' }, { role: 'assistant', content: 'not an eval row' }] })].join('\n') + '\n')
  const refused = await miner(['submit', '--dataset_path', outsider, '--hf_repo_id', 'first/sel', ...first.flags])
  t.equal(refused.code, 1)
  t.match(refused.stderr, /not eligible under flock-off-s1: row\(s\) 100 of the first 100 are not rows of the eval set \[E_NOT_ELIGIBLE\]/)

  const r = await miner(['submit', '--dataset_path', selection, '--hf_repo_id', 'first/sel', '--json', ...first.flags])
  t.equal(r.code, 0, r.stderr)
  const out = json(r)
  t.match(out, { status: 'committed', hotkey: first.address })
  t.match(out.commitment as string, /^first\/sel:\d{8}:[0-9a-f]{40}$/, 'namespace:competition_id:commit')
  t.equal((out.commitment as string).split(':')[2], out.sha, 'the revision is the upload\'s commit')
  const chain = await LocalChain.open({ path: localNetworkPaths(state).chain })
  t.equal((await chain.commitmentOf(96, first.address))?.text, out.commitment, 'on chain as printed')
  await chain.close()

  const again = await miner(['submit', '--dataset_path', selection, '--hf_repo_id', 'first/sel', '--json', ...first.flags])
  t.match(json(again), { status: 'unchanged', commitment: out.commitment }, 'the same content again: nothing committed (read back from the hub, as the commitment has no proof)')
  const copy = await miner(['submit', '--dataset_path', selection, '--hf_repo_id', 'copier/sel', '--json', ...copier.flags])
  t.equal(copy.code, 0, copy.stderr)
})

t.test('flock-validator --local --config flock-off-s1 --once: one day of the cycle', async (t) => {
  const step = async (utc: string) => {
    const r = await runBin('flock-validator', [...local, '--once', '--json', '--utc_now', utc])
    t.equal(r.code, 0, r.stderr)
    return jsonLines(r.stdout).find((e) => e.event === 'round-end') as { competition: { id: string; phase: string; winner: { uid: number } | null }; ranking: Array<{ hotkey: string; code: string; reason: string; loss: number | null }>; sent: { status: string }; weights: { uids: number[] } }
  }
  const day = new Date().toISOString().slice(0, 10)
  const open = await step(`${day}T12:10:00Z`)
  t.match(open.competition, { id: day.replaceAll('-', ''), phase: 'submission' })
  const validated = await step(`${day}T12:45:00Z`)
  t.equal(validated.competition.phase, 'validation')
  const code = (w: { address: string }) => validated.ranking.find((r) => r.hotkey === w.address)
  t.match(code(first), { code: 'scored' })
  t.match(code(copier), { code: 'duplicate', reason: /shares 100 of its first rows .* committed earlier/ })
  const preview = await miner(['preview', '--dataset_path', selection, '--json', ...first.flags])
  t.equal(preview.code, 0, preview.stderr)
  t.match(json(preview), { seedSource: 'commitment', validatorsLoss: true, evalLoss: code(first)!.loss }, 'flock-miner preview finds the commitment and computes the validator\'s loss')
  const next = new Date(Date.parse(`${day}T11:40:00Z`) + 86_400_000).toISOString()
  const reward = await step(next)
  t.equal(reward.competition.phase, 'rewarding')
  const chain = await LocalChain.open({ path: localNetworkPaths(state).chain })
  const uid = (await chain.metagraph(96)).neurons.find((n) => n.hotkey === first.address)!.uid
  await chain.close()
  t.equal(reward.competition.winner?.uid, uid, 'the first miner wins')
  t.same([reward.sent.status, reward.weights.uids], ['set', [uid]], 'its weight set on chain')
})

t.test('flock-validator --local --demo --config flock-off-s1: the live rules at work, as the README shows', async (t) => {
  const r = await runBin('flock-validator', ['--local', '--demo', '--config', 'flock-off-s1'])
  t.equal(r.code, 0, r.stderr)
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8')
  const block = /```\n(Local subnet 96 in \/tmp\/flock-demo-X+: owner uid 0, validator uid 1, 6 miners, 40 hotkeys in all[\s\S]*?)```/.exec(readme)
  t.ok(block, 'the README shows the flock-off-s1 demo')
  t.equal(r.stdout.replace(/\/tmp\/flock-demo-\w+/, '<dir>'), block![1]!.replace(/\/tmp\/flock-demo-X+/, '<dir>'))
  for (const code of ['duplicate', 'not-in-eval-set', 'invalid-revision']) t.match(r.stdout, new RegExp(`\\s${code}\\s`), `a ${code} miner`)
  t.match(r.stdout, /winner uid 2, the earliest of them/)
})
