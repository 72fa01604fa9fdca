// flock-miner submit on LocalHub + LocalChain (--local): the commitment parses and its proof
// verifies, the hub holds the file at the committed sha, the same dataset again does nothing,
// a changed one makes a new commit; refusals happen before anything is uploaded.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

import { ChainDispatchError, LocalChain, parseCommitment, verifyCommitmentProof } from '../../lib/chain/index.js'
import { datasetRepo, LocalHub } from '../../lib/hub/index.js'
import { DatasetError, defaultCompetitionConfig, hashRows } from '../../lib/index.js'
import { localNetworkPaths, openLocalNetwork } from '../../lib/local-subnet/index.js'
import { MinerError, submitDataset } from '../../lib/miner/index.js'
import { asHotkey, devAccounts } from '../helpers/chain-fixtures.js'
import { countingRows } from '../helpers/chat-data.js'
import { FIXTURE_HOTKEY, FIXTURE_WALLET, jsonl, runCli } from '../helpers/miner-cli.js'

const root = mkdtempSync(join(tmpdir(), 'flock-miner-submit-'))
t.teardown(() => rmSync(root, { recursive: true, force: true }))

async function readAll(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const c of body) chunks.push(Buffer.from(c))
  return Buffer.concat(chunks)
}

const hubCommits = (hubDir: string, name: string) => readdirSync(join(hubDir, 'datasets', ...name.split('/'), 'commits')).length

t.test('submit, submit the same dataset again, submit a changed one', async (t) => {
  const stateDir = join(root, 'state')
  const layout = localNetworkPaths(stateDir)
  const rows = countingRows(12, 3)
  const file = join(root, 'data.jsonl')
  writeFileSync(file, jsonl(rows))
  const argv = ['submit', '--local', '--state-dir', stateDir, '--netuid', '5', '--dataset_path', file, '--hf_repo_id', 'miner/data', ...FIXTURE_WALLET]

  const first = await runCli([...argv, '--json'])
  t.equal(first.code, 0, first.stderr)
  const out = JSON.parse(first.stdout)
  t.match(out, { status: 'committed', hotkey: FIXTURE_HOTKEY, uid: 2, repo: 'miner/data', path: 'data.jsonl', createdRepo: true, contentHash: hashRows(rows), rows: 12, replaced: null })

  const admin = await LocalChain.open({ path: layout.chain })
  const record = await admin.commitmentOf(5, FIXTURE_HOTKEY)
  t.equal(record?.text, out.commitment)
  t.equal(record?.block, out.block, 'the block submit reported')
  const parsed = parseCommitment(record!.text)
  t.ok(parsed.ok, 'the commitment parses')
  if (!parsed.ok) return
  t.same(parsed.commitment, { repo: 'miner/data', revision: out.sha, proof: parsed.commitment.proof })
  t.same(verifyCommitmentProof(parsed.commitment, hashRows(rows), FIXTURE_HOTKEY), { ok: true }, 'the proof binds this content to this hotkey')
  const { alice } = await devAccounts()
  t.equal(verifyCommitmentProof(parsed.commitment, hashRows(rows), alice.address).ok, false, 'copied to another hotkey it fails')

  const hub = new LocalHub(layout.hub)
  const stored = await readAll((await hub.openFile(datasetRepo('miner/data'), parsed.commitment.revision, 'data.jsonl', new AbortController().signal)).body)
  t.same(stored, readFileSync(file), 'the hub holds the file at the committed sha')
  t.equal(out.charged, 100, 'an 84-byte commitment is charged the minimum of 100')
  t.equal(Buffer.byteLength(out.commitment), 84)
  t.same(out.space, { used: 100, max: 3100, deposit: '0' })

  // the same dataset: nothing uploaded, nothing committed, and it says so
  const again = await runCli(argv)
  t.equal(again.code, 0, again.stderr)
  t.match(again.stdout, new RegExp(`^Nothing to do: hotkey ${FIXTURE_HOTKEY} already committed this dataset \\(content hash ${hashRows(rows)}\\) in block ${out.block}\\.`))
  t.equal(hubCommits(layout.hub, 'miner/data'), 1, 'no new hub commit')
  t.same(await admin.commitmentOf(5, FIXTURE_HOTKEY), record, 'the commitment and its block are unchanged')
  // the same rows reordered and reformatted are the same dataset
  writeFileSync(file, [...rows].reverse().map((r) => JSON.stringify(r, null, 0).replace(/,/g, ', ')).join('\n') + '\n')
  const reordered = JSON.parse((await runCli([...argv, '--json'])).stdout)
  t.equal(reordered.status, 'unchanged')
  t.equal(hubCommits(layout.hub, 'miner/data'), 1)

  // a changed dataset: a new hub commit and a new commitment
  const changed = [...rows, ...countingRows(1, 99)]
  writeFileSync(file, jsonl(changed))
  const third = JSON.parse((await runCli([...argv, '--json'])).stdout)
  t.match(third, { status: 'committed', createdRepo: false, contentHash: hashRows(changed), replaced: out.commitment })
  t.not(third.sha, out.sha)
  t.equal(hubCommits(layout.hub, 'miner/data'), 2)
  const now = await admin.commitmentOf(5, FIXTURE_HOTKEY)
  t.equal(now?.text, third.commitment)
  const p3 = parseCommitment(now!.text)
  t.ok(p3.ok && verifyCommitmentProof(p3.commitment, hashRows(changed), FIXTURE_HOTKEY).ok)
  t.equal(third.space.used, 200, 'both commitments count against this epoch\'s space')
})

t.test('--local on a fresh state folder creates the subnet as the validator does (owner uid 0, validator uid 1, a block a second), registers the hotkey, and says so', async (t) => {
  const stateDir = join(root, 'fresh')
  const file = join(root, 'fresh.jsonl')
  writeFileSync(file, jsonl(countingRows(8, 8)))
  const r = await runCli(['submit', '--local', '--state-dir', stateDir, '--netuid', '9', '--dataset_path', file, '--hf_repo_id', 'me/d', ...FIXTURE_WALLET])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stderr, /local chain: created the subnet/)
  t.match(r.stderr, /local chain: registered the hotkey/)
  t.match(r.stdout, /^Submitted: 8 rows to me\/d and committed on chain in block \d+\./)
  const paths = localNetworkPaths(stateDir)
  const chain = await LocalChain.open({ path: paths.chain })
  const net = await openLocalNetwork({ stateDir, netuid: 9 })
  t.same((await chain.metagraph(9)).neurons.map((n) => [n.uid, n.hotkey, n.validatorPermit]), [[0, net.ownerHotkey, false], [1, net.validatorHotkey, true], [2, FIXTURE_HOTKEY, false]])
  t.equal(net.createdSubnet, false, 'opening it again creates nothing')
  const state = JSON.parse(readFileSync(paths.chain, 'utf8')) as { blockTimeMs: number | null }
  t.equal(state.blockTimeMs, 1000, 'a block every second, whichever tool created the chain')
  t.ok(existsSync(paths.model) && existsSync(paths.evalSet) && existsSync(paths.config), 'the model, eval set and config the validator uses are there')
})

t.test('refusals come before any upload: unregistered hotkey, no commitment space, invalid dataset', async (t) => {
  const { bob } = await devAccounts()
  const dir = join(root, 'refusals')
  const hub = new LocalHub(join(dir, 'hub'))
  const chain = await LocalChain.open({ path: join(dir, 'chain.json'), hotkey: asHotkey(bob), maxSpace: 150 })
  await chain.createSubnet(1)
  const file = join(dir, 'd.jsonl')
  writeFileSync(file, jsonl(countingRows(4, 1)))
  const submit = () => submitDataset({ datasetPath: file, repoId: 'bob/data', hub, chain, netuid: 1, config: defaultCompetitionConfig })
  const refusal = async (code: string, message: RegExp) => {
    const err = await submit().then(() => null, (e: unknown) => e)
    t.ok(err instanceof MinerError, `a MinerError (got ${String(err)})`)
    t.match(err, { code, message })
  }

  await refusal('E_NOT_REGISTERED', /not registered on subnet 1; register it first/)
  await t.rejects(hub.listFiles(datasetRepo('bob/data'), '0'.repeat(40)), /repo not found/, 'nothing uploaded')

  await chain.register(1, bob.address)
  t.equal((await submit()).status, 'committed')
  writeFileSync(file, jsonl(countingRows(5, 1)))
  await refusal('E_SPACE_EXHAUSTED', /used 100 of its 150 bytes .* needs 100: try again in \d+ blocks/)
  t.equal(hubCommits(join(dir, 'hub'), 'bob/data'), 1, 'refused before uploading')
  // the chain itself would have refused it too
  await t.rejects(chain.publishCommitment(1, 'x'.repeat(60)), ChainDispatchError)

  writeFileSync(file, '{"conversations": []}\n')
  await t.rejects(submit(), DatasetError)
  t.equal(hubCommits(join(dir, 'hub'), 'bob/data'), 1)
})
