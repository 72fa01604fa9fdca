import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { inspect } from 'node:util'

import t from 'tap'

import { datasetRepo, HfHub, HubAuthError, HubToken, publishDataset, redact, resolveHfToken } from '../../lib/hub/index.js'
import { FakeHfHub } from '../helpers/fake-hf-hub.js'
import { startHubFixture, TOKEN } from '../helpers/hub-setup.js'

const repo = datasetRepo('miner/secret')

/** Every way an error can be printed or shipped; assertions report booleans so a failure never prints the token. */
function renderings(err: unknown): string[] {
  const e = err as Error & { cause?: unknown }
  return [String(e), e.message, e.stack ?? '', JSON.stringify(e), inspect(e, { depth: Infinity, showHidden: true }), inspect(e.cause, { depth: Infinity })]
}

function assertNoToken(t: { equal: (a: unknown, b: unknown, m: string) => void }, texts: string[], token: string, label: string): void {
  t.equal(texts.some((text) => text.includes(token)), false, `${label}: token absent`)
  // Also absent in part, e.g. after the "hf_" prefix.
  t.equal(texts.some((text) => text.includes(token.slice(3, 15))), false, `${label}: no fragment of the token`)
}

t.test('errors whose server bodies echo the Authorization header and URL never carry the token', async (t) => {
  const wrong = 'hf_ClientSideToken9876543210zyxw'
  const fx = await startHubFixture({ clientToken: wrong, echoCredentials: true })
  t.teardown(() => fx.server.close())
  const sha = fx.server.seed('dataset', repo.name, { 'data.jsonl': 'x\n' })

  const info = await fx.cache.downloadFile({ repo, sha, path: 'data.jsonl', maxBytes: 100 }).catch((e: unknown) => e)
  t.type(info, HubAuthError)
  t.equal(/Invalid credentials.*hf_\*\*\*/.test((info as Error).message), true, 'the server text is kept, the token masked')
  assertNoToken(t, renderings(info), wrong, 'paths-info 401')

  const publish = await publishDataset(fx.hub, { repo, content: 'x' }).catch((e: unknown) => e)
  t.type(publish, HubAuthError)
  assertNoToken(t, renderings(publish), wrong, 'create 401')
  t.equal(fx.server.requests.some((r) => r.authorization === `Bearer ${wrong}`), true, 'the token was really sent')
})

t.test('retried 5xx with echoed credentials: neither logs nor the final error carry the token', async (t) => {
  const fx = await startHubFixture({ echoCredentials: true })
  t.teardown(() => fx.server.close())
  const sha = fx.server.seed('dataset', repo.name, { 'data.jsonl': 'x\n' })
  fx.server.fault('resolve', { kind: 'status', status: 500 }, 100)
  fx.server.fault('paths-info', { kind: 'status', status: 503 }, 2)
  const err = await fx.cache.downloadFile({ repo, sha, path: 'data.jsonl', maxBytes: 100 }).catch((e: unknown) => e)
  t.match(err, { code: 'E_HUB_SERVER', status: 500 })
  t.equal(fx.server.count('resolve'), 4)
  t.match(fx.logs(), /retrying/)
  assertNoToken(t, [...renderings(err), fx.logs()], TOKEN, 'resolve 500 + logs')
  fx.server.fault('commit', { kind: 'status', status: 500 })
  const commitErr = await publishDataset(fx.hub, { repo, content: 'y' }).catch((e: unknown) => e)
  t.match(commitErr, { code: 'E_HUB_SERVER' })
  assertNoToken(t, renderings(commitErr), TOKEN, 'commit 500')
})

t.test('a network failure names no token, and the hub object does not print it', async (t) => {
  const fx = await startHubFixture()
  const sha = fx.server.seed('dataset', repo.name, { 'data.jsonl': 'x\n' })
  await fx.server.close()
  const err = await fx.cache.downloadFile({ repo, sha, path: 'data.jsonl', maxBytes: 100 }).catch((e: unknown) => e)
  t.match(err, { code: 'E_HUB_NETWORK' })
  assertNoToken(t, renderings(err), TOKEN, 'connection refused')
  assertNoToken(t, [inspect(fx.hub, { showHidden: true, depth: Infinity }), JSON.stringify(fx.hub), String(new HubToken(TOKEN)), JSON.stringify({ token: new HubToken(TOKEN) })], TOKEN, 'hub object')
})

t.test('redact masks the given secret and anything shaped like an HF token', async (t) => {
  t.equal(redact('Bearer hf_abcdefgh12345678 and s3cr3t', ['s3cr3t']), 'Bearer hf_*** and hf_***')
  t.equal(redact('nothing here'), 'nothing here')
})

t.test('the token comes from the option, else HF_TOKEN, else .env', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flock-token-'))
  const envFile = join(dir, '.env')
  writeFileSync(envFile, '# comment\nOTHER=1\nHF_TOKEN="hf_FromDotEnvFile000111"\n')
  t.equal(resolveHfToken({ token: 'hf_FromFlag00001111', env: { HF_TOKEN: 'hf_FromEnv0000111' }, envFile })?.reveal(), 'hf_FromFlag00001111')
  t.equal(resolveHfToken({ env: { HF_TOKEN: 'hf_FromEnv0000111' }, envFile })?.reveal(), 'hf_FromEnv0000111')
  t.equal(resolveHfToken({ env: {}, envFile })?.reveal(), 'hf_FromDotEnvFile000111')
  t.equal(resolveHfToken({ env: {}, envFile: join(dir, 'missing.env') }), undefined)
  const bad = (() => {
    try {
      return new HubToken('not-a-token-SECRETVALUE')
    } catch (e) {
      return e
    }
  })()
  t.type(bad, HubAuthError)
  t.equal((bad as Error).message.includes('SECRETVALUE'), false, 'a malformed token is not echoed')

  // The .env token is what goes over the wire.
  const server = await FakeHfHub.start({ token: 'hf_FromDotEnvFile000111' })
  t.teardown(() => server.close())
  const hub = new HfHub({ hubUrl: server.url, env: {}, envFile })
  t.equal((await publishDataset(hub, { repo, content: 'z\n' })).sha.length, 40)

  // Without any token, publishing fails before any request.
  const anon = new HfHub({ hubUrl: server.url, env: {}, envFile: join(dir, 'missing.env') })
  const before = server.requests.length
  await t.rejects(publishDataset(anon, { repo, content: 'z\n' }), { code: 'E_HUB_AUTH' })
  t.equal(server.requests.length, before)
})
