// Every command, succeeding and failing, with tokens in the environment, in a flag and in
// .env, trace logging on and the fixture wallet loaded: no token or wallet secret is printed.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

import { defaultCompetitionConfig, mergeCompetitionConfig } from '../../lib/index.js'
import { countingRows } from '../helpers/chat-data.js'
import { FakeHfHub } from '../helpers/fake-hf-hub.js'
import { FIXTURE_SECRETS, FIXTURE_WALLET, jsonl, runCli, type CliRun } from '../helpers/miner-cli.js'

const ENV_TOKEN = 'hf_EnvSecret0123456789'
const FLAG_TOKEN = 'hf_FlagSecret0123456789'
const FILE_TOKEN = 'hf_DotenvSecret0123456789'

t.test('no command prints a secret', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flock-miner-secrets-'))
  const server = await FakeHfHub.start({ token: 'hf_TheOnlyGoodToken1', echoCredentials: true })
  t.teardown(async () => {
    await server.close()
    rmSync(dir, { recursive: true, force: true })
  })
  writeFileSync(join(dir, '.env'), `HF_TOKEN=${FILE_TOKEN}\n`)
  const data = join(dir, 'data.jsonl')
  writeFileSync(data, jsonl(countingRows(8, 2)))
  const evalFile = join(dir, 'eval.jsonl')
  writeFileSync(evalFile, jsonl(countingRows(4, 3)))
  const tiny = join(dir, 'tiny.json')
  writeFileSync(tiny, JSON.stringify(mergeCompetitionConfig(defaultCompetitionConfig, {
    lora: { r: 2, alpha: 4 }, training: { microBatchSize: 1, gradAccumSteps: 1, maxSeqLen: 64 }, budget: { maxTrainRows: 8, optimizerSteps: 2 },
  })))
  const pinned = join(dir, 'pinned.json')
  writeFileSync(pinned, JSON.stringify({ ...JSON.parse(JSON.stringify(defaultCompetitionConfig)), baseModel: { repo: 'org/model', revision: 'a'.repeat(40) } }))
  const state = join(dir, 'state')
  const common = ['--logging.trace']
  const wallet = FIXTURE_WALLET
  const env = { HF_TOKEN: ENV_TOKEN }
  const runs: Array<[string, CliRun]> = []
  const run = async (name: string, argv: string[], expectCode: number, options: { env?: NodeJS.ProcessEnv } = {}) => {
    const r = await runCli([argv[0]!, ...common, ...argv.slice(1)], { cwd: dir, env: options.env ?? env })
    t.equal(r.code, expectCode, `${name}: exit ${expectCode}${r.code !== expectCode ? `\n${r.stderr}` : ''}`)
    runs.push([name, r])
  }

  await run('validate', ['validate', '--dataset_path', data, '--hf_token', FLAG_TOKEN], 2) // validate takes no token flag
  await run('validate', ['validate', '--dataset_path', data, '--json'], 0)
  await run('validate invalid', ['validate', '--dataset_path', join(dir, '.env')], 1)
  await run('preview local', ['preview', '--local', '--state-dir', state, '--dataset_path', data, '--eval_path', evalFile, '--config', tiny, '--hf_token', FLAG_TOKEN, '--seeds', '1', ...wallet], 0)
  await run('preview refused by the hub', ['preview', '--dataset_path', data, '--eval_path', evalFile, '--config', pinned, '--hub_url', server.url, '--cache_dir', join(dir, 'c'), '--hf_token', FLAG_TOKEN], 1)
  await run('preview refused, .env token', ['preview', '--dataset_path', data, '--eval_path', evalFile, '--config', pinned, '--hub_url', server.url, '--cache_dir', join(dir, 'c')], 1, { env: {} })
  await run('submit local', ['submit', '--local', '--state-dir', state, '--dataset_path', data, '--hf_repo_id', 'me/d', '--hf_token', FLAG_TOKEN, '--json', ...wallet], 0)
  await run('submit local again', ['submit', '--local', '--state-dir', state, '--dataset_path', data, '--hf_repo_id', 'me/d', ...wallet], 0)
  await run('preview local, committed', ['preview', '--local', '--state-dir', state, '--dataset_path', data, '--config', tiny, '--json', ...wallet], 0)
  await run('submit, unknown hotkey', ['submit', '--local', '--state-dir', state, '--dataset_path', data, '--hf_repo_id', 'me/d', ...wallet, '--wallet.hotkey', 'nope'], 1)
  await run('submit, malformed token', ['submit', '--dataset_path', data, '--hf_repo_id', 'me/d', '--hub_url', server.url, '--hf_token', 'hf_bad!Secret!Value', '--subtensor.network', 'ws://127.0.0.1:1', ...wallet], 1)

  t.match(runs.find(([n]) => n === 'preview refused by the hub')![1].stderr, /HTTP 401/, 'the hub refusal is reported')
  t.match(JSON.parse(runs.find(([n]) => n === 'preview local, committed')![1].stdout), { seedSource: 'commitment' }, 'the committed preview read the hotkey\'s commitment')
  t.match(runs.find(([n]) => n === 'submit, unknown hotkey')![1].stderr, /no hotkey file at .*hotkeys\/nope/)
  t.match(runs.find(([n]) => n === 'submit, malformed token')![1].stderr, /HF token must look like "hf_".*\[E_HUB_AUTH\]/, 'refused before any chain connection')
  t.ok(server.requests.some((r) => r.authorization === `Bearer ${FILE_TOKEN}`), 'the .env token was used')
  for (const [name, r] of runs) {
    const printed = r.stdout + r.stderr
    for (const secret of [ENV_TOKEN, FLAG_TOKEN, FILE_TOKEN, 'bad!Secret!Value', ...FIXTURE_SECRETS])
      if (printed.includes(secret)) t.fail(`${name} printed ${secret.slice(0, 6)}…`)
  }
  t.ok(runs.every(([, r]) => r.stdout.length + r.stderr.length > 0), 'every run printed something')
})
