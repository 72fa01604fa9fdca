// The README's miner and validator flows end to end, through the shipped CLIs (dist/bin), on a
// fresh local subnet that the miners create: each miner runs `flock-miner submit --local`
// with its own btcli-layout wallet, then `flock-validator --local --once --json` scores the
// round. Honest miners are scored, a re-upload of the good rows is a duplicate, a copied
// commitment string is refused, an invalid file is invalid, a resubmission of unchanged
// content changes nothing, and `flock-miner preview` after committing prints exactly the
// loss the validator computed.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

import { LocalChain } from '../../lib/chain/index.js'
import { datasetRepo, publishDataset } from '../../lib/hub/index.js'
import { colorRows, countingRows, localNetworkPaths, openLocalNetwork, toJsonl } from '../../lib/local-subnet/index.js'
import { jsonLines, runBin, type BinRun } from '../helpers/bin.js'
import { writeTestWallet, type TestWallet } from '../helpers/wallets.js'

const dir = mkdtempSync(join(tmpdir(), 'flock-e2e-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const state = join(dir, 'state')
const wallets = join(dir, 'wallets')
const file = (name: string, content: string) => {
  const path = join(dir, `${name}.jsonl`)
  writeFileSync(path, content)
  return path
}

const good = countingRows(64, 2)
const files = {
  good: file('good', toJsonl(good)),
  mediocre: file('mediocre', toJsonl([...countingRows(16, 5), ...colorRows(48, 3)])),
  reupload: file('reupload', toJsonl([...good].reverse())),
  invalid: file('invalid', `${JSON.stringify(good[0])}\n{"conversations": [{"role": "assistant", "content": "hi"}]}\n{"conversations": [\n`),
}
const w: Record<'good' | 'mediocre' | 'reupload' | 'copycat' | 'invalid', TestWallet> = {
  good: await writeTestWallet(wallets, 'good'),
  mediocre: await writeTestWallet(wallets, 'mediocre'),
  reupload: await writeTestWallet(wallets, 'reupload'),
  copycat: await writeTestWallet(wallets, 'copycat'),
  invalid: await writeTestWallet(wallets, 'invalid'),
}
const local = ['--local', '--state-dir', state]
const miner = (args: string[]) => runBin('flock-miner', [...args, ...local])
const json = (r: BinRun) => JSON.parse(r.stdout) as Record<string, unknown>
const submit = (who: keyof typeof w, path: string, repo: string) => miner(['submit', '--dataset_path', path, '--hf_repo_id', repo, '--json', ...w[who].flags])

t.test('miners submit first on a fresh state folder; the validator runs second', async (t) => {
  const g = await submit('good', files.good, 'good-miner/data')
  t.equal(g.code, 0, g.stderr)
  const gOut = json(g)
  t.match(gOut, { status: 'committed', hotkey: w.good.address, uid: 2 }, 'the first miner on a fresh folder is uid 2: the subnet was created with its owner at uid 0 and the validator at 1')
  t.match(g.stderr, /local chain: created the subnet/)

  const m = await submit('mediocre', files.mediocre, 'mediocre-miner/data')
  t.equal(m.code, 0, m.stderr)
  const r = await submit('reupload', files.reupload, 'reupload-miner/data')
  t.equal(r.code, 0, r.stderr)
  t.equal(json(r).contentHash, gOut.contentHash, 'the reordered rows have the good dataset\'s content hash')

  // a copier commits the good miner's string as is, with its own hotkey (not with our tools)
  const net = await openLocalNetwork({ stateDir: state, netuid: 96 })
  const copier = await net.clientFor(w.copycat.address)
  await copier.chain.publishCommitment(96, gOut.commitment as string)

  // submit refuses an invalid file before uploading or committing anything
  const refused = await submit('invalid', files.invalid, 'invalid-miner/data')
  t.equal(refused.code, 1)
  t.match(refused.stderr, /invalid dataset: 3 problem\(s\)/)
  const invalidClient = await net.clientFor(w.invalid.address)
  t.equal(await invalidClient.chain.commitmentOf(96), null, 'nothing committed')
  // ... so that miner uploads and commits it by hand
  const published = await publishDataset(net.hub, { repo: datasetRepo('invalid-miner/data'), content: readFileSync(files.invalid), pathInRepo: 'data.jsonl' })
  await invalidClient.chain.publishCommitment(96, `invalid-miner/data:${published.sha}:${published.sha256.slice(0, 32)}`)

  // the good miner submits the same content again: nothing changes, the early block is kept
  const again = await submit('good', files.good, 'good-miner/data')
  t.equal(again.code, 0, again.stderr)
  t.match(json(again), { status: 'unchanged', block: gOut.block, commitment: gOut.commitment })
  const reader = await LocalChain.open({ path: localNetworkPaths(state).chain })
  t.equal((await reader.commitmentOf(96, w.good.address))?.block, gOut.block, 'the commitment block on chain is the first one')

  // previews after committing, with the wallet flags: the validators' seed, config and eval set
  const previews: Record<string, Record<string, unknown>> = {}
  for (const who of ['good', 'mediocre'] as const) {
    const p = await miner(['preview', '--dataset_path', files[who], '--json', ...w[who].flags])
    t.equal(p.code, 0, p.stderr)
    previews[who] = json(p)
    t.match(previews[who], { seedSource: 'commitment', validatorsLoss: true, notes: [], runs: [{ evalLoss: Number }] }, `${who}: the preview found its commitment`)
  }

  const v = await runBin('flock-validator', [...local, '--once', '--json'])
  t.equal(v.code, 0, v.stderr)
  const events = jsonLines(v.stdout)
  const end = events.find((e) => e.event === 'round-end') as { ranking: Array<{ hotkey: string; code: string; reason: string; loss: number | null }>; sent: { status: string } }
  t.ok(end, 'the round ended')
  const by = new Map(end.ranking.map((row) => [row.hotkey, row]))
  t.match(by.get(w.good.address), { code: 'scored' })
  t.match(by.get(w.mediocre.address), { code: 'scored' })
  t.match(by.get(w.reupload.address), { code: 'duplicate', reason: /same dataset content as uid 2 .* committed earlier/ })
  t.match(by.get(w.copycat.address), { code: 'copied-commitment', reason: new RegExp(`does not bind this content to hotkey ${w.copycat.address}`) })
  t.match(by.get(w.invalid.address), { code: 'invalid-dataset', reason: /3 problem\(s\): line 2: /, loss: null })
  t.ok(by.get(w.good.address)!.loss! < by.get(w.mediocre.address)!.loss!, 'the good rows beat the mediocre ones')
  t.equal(end.sent.status, 'set')
  for (const who of ['good', 'mediocre'] as const) {
    const validatorLoss = by.get(w[who].address)!.loss!
    t.equal(previews[who]!.evalLoss, validatorLoss, `${who}: preview after committing equals the validator's loss, to the last bit`)
  }

  // no wallet secret reached any output
  for (const out of [g, m, r, refused, again, v]) for (const wallet of Object.values(w)) t.notOk((out.stdout + out.stderr).includes(wallet.secretSeed.slice(2)), 'no secret printed')
})
