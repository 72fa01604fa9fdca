// flock-miner submit without --local: HfHub against the fake Hugging Face server and
// SubtensorChain against the mock subtensor node, the token read from a .env file.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

import { hashRows } from '../../lib/index.js'
import { parseCommitment, SubtensorChain, verifyCommitmentProof } from '../../lib/chain/index.js'
import { countingRows } from '../helpers/chat-data.js'
import { FakeHfHub } from '../helpers/fake-hf-hub.js'
import { TOKEN } from '../helpers/hub-setup.js'
import { FIXTURE_HOTKEY, FIXTURE_SECRETS, FIXTURE_WALLET, jsonl, runCli, type CliRun } from '../helpers/miner-cli.js'
import { MockSubtensor } from '../helpers/subtensor-mock/node.js'

const dir = mkdtempSync(join(tmpdir(), 'flock-miner-hf-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

t.test('upload to the HF repo, commit on subtensor; the same file again does nothing; no secret printed', async (t) => {
  const server = await FakeHfHub.start({ token: TOKEN, echoCredentials: true })
  const node = await MockSubtensor.start()
  t.teardown(async () => {
    await server.close()
    await node.close()
  })
  node.addSubnet(7)
  node.register(7, FIXTURE_HOTKEY)
  writeFileSync(join(dir, '.env'), `HF_TOKEN=${TOKEN}\n`)
  const rows = countingRows(20, 4)
  const file = join(dir, 'data.jsonl')
  writeFileSync(file, jsonl(rows))
  const argv = [
    'submit', '--dataset_path', file, '--hf_repo_id', 'miner/flock-data', '--hub_url', server.url,
    '--subtensor.network', node.url, '--netuid', '7', '--logging.trace', ...FIXTURE_WALLET,
  ]
  const runs: CliRun[] = []
  const run = async (extra: string[] = [], env: NodeJS.ProcessEnv = {}) => {
    const r = await runCli([...argv, ...extra], { cwd: dir, env })
    runs.push(r)
    return r
  }

  const first = await run(['--json'])
  t.equal(first.code, 0, first.stderr)
  const out = JSON.parse(first.stdout)
  t.match(out, { status: 'committed', repo: 'miner/flock-data', createdRepo: true, hotkey: FIXTURE_HOTKEY, contentHash: hashRows(rows) })
  t.same(server.content('dataset', 'miner/flock-data', out.sha, 'data.jsonl'), Buffer.from(jsonl(rows)), 'the hub holds the file at the committed sha')
  t.equal(server.head('dataset', 'miner/flock-data'), out.sha)

  const reader = await SubtensorChain.connect({ network: node.url })
  t.teardown(() => reader.close())
  const record = await reader.commitmentOf(7, FIXTURE_HOTKEY)
  t.equal(record?.text, out.commitment)
  const parsed = parseCommitment(record!.text)
  t.ok(parsed.ok && parsed.commitment.revision === out.sha && verifyCommitmentProof(parsed.commitment, hashRows(rows), FIXTURE_HOTKEY).ok, 'proof verifies')
  t.same(out.space, { used: 100, max: 3100, deposit: '0' }, 'space and deposit as the chain reports them')

  const commits = server.count('commit')
  const blocks = node.head.number
  const again = await run()
  t.equal(again.code, 0, again.stderr)
  t.match(again.stdout, /^Nothing to do: /)
  t.equal(server.count('commit'), commits, 'no new hub commit')
  t.equal(node.head.number, blocks, 'no new extrinsic')

  // a wrong token given on the command line: the server refuses and echoes it back
  writeFileSync(file, jsonl(countingRows(21, 4)))
  const wrong = 'hf_WrongSecretToken999'
  const refused = await run(['--hf_token', wrong], { HF_TOKEN: 'hf_EnvSecretToken777' })
  t.equal(refused.code, 1)
  t.match(refused.stderr, /flock-miner: .*(401|auth|token)/i)
  t.equal((await reader.commitmentOf(7, FIXTURE_HOTKEY))?.text, out.commitment, 'nothing committed after a failed upload')

  const printed = runs.map((r) => r.stdout + r.stderr).join('\n')
  t.ok(printed.length > 1000, 'trace logs were written')
  for (const secret of [TOKEN, wrong, 'hf_EnvSecretToken777', TOKEN.slice(3), ...FIXTURE_SECRETS])
    t.notOk(printed.includes(secret), `never printed: ${secret.slice(0, 6)}…`)
})

t.test('--timelock_blocks: the commitment goes on chain timelocked, hidden until its drand round', async (t) => {
  const server = await FakeHfHub.start({ token: TOKEN })
  const node = await MockSubtensor.start({ generation: 'stateful' })
  t.teardown(async () => {
    await server.close()
    await node.close()
  })
  node.addSubnet(8)
  node.register(8, FIXTURE_HOTKEY)
  const file = join(dir, 'timelocked.jsonl')
  const rows = countingRows(22, 4)
  writeFileSync(file, jsonl(rows))
  const before = Date.now() / 1000
  const r = await runCli([
    'submit', '--dataset_path', file, '--hf_repo_id', 'miner/hidden', '--hub_url', server.url, '--hf_token', TOKEN,
    '--subtensor.network', node.url, '--netuid', '8', '--timelock_blocks', '20', '--json', ...FIXTURE_WALLET,
  ], { cwd: dir })
  const after = Date.now() / 1000
  t.equal(r.code, 0, r.stderr)
  const out = JSON.parse(r.stdout)
  // 20 blocks of 12 s from now, in 3-second drand rounds since quicknet's genesis
  const round = (s: number) => Math.floor((Math.floor(s) + 240 - 1_692_803_367) / 3)
  t.ok(out.revealRound >= round(before) && out.revealRound <= round(after), `reveal round ${out.revealRound}`)
  const sent = node.included.at(-1)!.decoded
  t.match(sent, { pallet: 'commitments', call: 'setCommitment', args: { netuid: 8, info: { fields: [{ timelockEncrypted: { revealRound: out.revealRound } }] } } })
  t.notOk(JSON.stringify(sent.args).includes('miner/hidden'), 'the repo is not readable on chain')
  const reader = await SubtensorChain.connect({ network: node.url })
  t.teardown(() => reader.close())
  t.same(await reader.commitments(8), [], 'no one sees it before the reveal')
  t.same(await reader.commitmentOf(8, FIXTURE_HOTKEY), { hotkey: FIXTURE_HOTKEY, block: out.block, text: null, revealRound: out.revealRound })
  const parsed = parseCommitment(out.commitment)
  t.ok(parsed.ok && verifyCommitmentProof(parsed.commitment, hashRows(rows), FIXTURE_HOTKEY).ok, 'the committed string still binds the hotkey')
})
