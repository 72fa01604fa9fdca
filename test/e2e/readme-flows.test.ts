// The README's other flows through the shipped CLIs (dist/bin), as a user types them: the
// demo prints the table the README shows; `flock-validator --local --state-dir DIR` runs
// continuously, scores a miner within a short `--blocks_per_epoch`, and stops cleanly on
// SIGTERM; every CLI prints its version and refuses a bad flag with one line and exit 2.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import t from 'tap'

import { countingRows, toJsonl } from '../../lib/local-subnet/index.js'
import { jsonLines, runBin, startBin, type BinName } from '../helpers/bin.js'
import { repoRoot } from '../helpers/paths.js'
import { writeTestWallet } from '../helpers/wallets.js'

const dir = mkdtempSync(join(tmpdir(), 'flock-readme-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8')
const version = (JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { version: string }).version

t.test('npx flock-validator --local --demo prints the README\'s table', async (t) => {
  const r = await runBin('flock-validator', ['--local', '--demo'])
  t.equal(r.code, 0, r.stderr)
  const block = /### Try it locally[\s\S]*?```\n(Local subnet 96 in [\s\S]*?)```/.exec(readme)
  t.ok(block, 'the README shows the demo output')
  const shown = block![1]!.replace(/\/tmp\/flock-demo-X+/, '<dir>')
  const printed = r.stdout.replace(/\/tmp\/flock-demo-\w+/, '<dir>')
  t.equal(printed, shown, 'the demo prints exactly what the README shows (a fixed genesis: the same seeds every run)')
})

t.test('flock-validator --local --state-dir DIR: runs until SIGTERM, scores a miner within --blocks_per_epoch 10', async (t) => {
  const state = join(dir, 'continuous')
  const data = join(dir, 'data.jsonl')
  writeFileSync(data, toJsonl(countingRows(32, 7)))
  const wallet = await writeTestWallet(join(dir, 'wallets'), 'miner')
  const submit = await runBin('flock-miner', ['submit', '--local', '--state-dir', state, '--dataset_path', data, '--hf_repo_id', 'me/data', ...wallet.flags])
  t.equal(submit.code, 0, submit.stderr)
  const v = startBin('flock-validator', ['--local', '--state-dir', state, '--blocks_per_epoch', '10', '--json'], { timeoutMs: 300_000 })
  // rounds run one per 10-block epoch; under load the first may leave the miner for the next
  type RoundEnd = { event: string; ranking?: Array<{ hotkey: string; code: string }> }
  const scoredIn = (e: RoundEnd) => e.event === 'round-end' && (e.ranking ?? []).some((m) => m.hotkey === wallet.address && m.code === 'scored')
  let ended: RoundEnd | undefined
  for (let i = 0; i < 2400 && !ended; i++) {
    ended = v.stdoutLines.map((l) => JSON.parse(l) as RoundEnd).find(scoredIn)
    if (!ended) await sleep(100)
  }
  t.ok(ended, `a round ended with the miner scored within the short epochs${ended ? '' : `\n${v.stderr().slice(-3000)}`}`)
  v.kill('SIGTERM')
  const exit = await v.exit
  t.same([exit.code, exit.signal], [0, null], 'SIGTERM: a clean exit')
  t.ok(jsonLines(exit.stdout).filter((e) => e.event === 'round-start').length >= 1)
})

const BINS: Array<[string, BinName, string[]]> = [
  ['flock-validator', 'flock-validator', []],
  ['flock-validator worker', 'flock-validator', ['worker']],
  ['flock-miner', 'flock-miner', []],
  ['flock-bench', 'flock-bench', []],
]

t.test('every CLI: --version, and a bad flag or value is one line naming it, exit 2', async (t) => {
  for (const [name, bin, pre] of BINS) {
    const v = await runBin(bin, [...pre, '--version'])
    t.same([v.code, v.stdout.trim()], [0, version], `${name} --version`)
    const bad = await runBin(bin, [...pre, ...(bin === 'flock-miner' ? ['validate', '--dataset_path', 'x'] : []), '--bogus-flag'])
    t.equal(bad.code, 2, `${name}: exit 2 on an unknown flag`)
    t.match(bad.stderr, new RegExp(`^${name}: .*bogus-flag.*\\(${name} --help lists the flags\\)\\n$`), `${name}: one line naming the flag`)
  }
  const values: Array<[BinName, string[], RegExp]> = [
    ['flock-validator', ['--threads', '-1'], /--threads must be/],
    ['flock-validator', ['--burn_uid', '70000'], /--burn_uid must be/],
    ['flock-validator', ['--devices', 'gpu zero'], /devices: expected/],
    ['flock-validator', ['worker', '--redis.url', 'redis://127.0.0.1:1', '--eval_timeout', '0'], /--eval_timeout must be/],
    ['flock-miner', ['preview', '--dataset_path', 'x', '--seeds', '0'], /--seeds must be/],
    ['flock-bench', ['train', '--seq', 'ten'], /--seq: expected/],
  ]
  for (const [bin, args, message] of values) {
    const r = await runBin(bin, args)
    t.equal(r.code, 2, `${bin} ${args.join(' ')}: exit 2`)
    t.match(r.stderr, message)
    t.equal(r.stderr.trim().split('\n').length, 1, 'one line')
  }
})
