// Job ids, seeds, config ids and the retry verdict: the pieces idempotence rests on.
import t from 'tap'

import { assertRoundId, classifyFailure, competitionConfigId, jobIdFor, MAX_ATTEMPTS, normalizeJob, normalizeSeed, parseDevices, queueNameFor } from '../../lib/evaluator/index.js'
import { CancelledError, DatasetError, defaultCompetitionConfig, InvalidArgumentError, mergeCompetitionConfig, NumericError } from '../../lib/index.js'
import { HubFileTooLargeError, HubNetworkError, HubNotFoundError, HubProtocolError, HubRevisionError, HubServerError } from '../../lib/hub/index.js'

const job = { hotkey: '5Abc', uid: 3, repo: 'miner/ds', sha: 'a'.repeat(40), path: 'data.jsonl', configId: 'cfg-0123456789abcdef', seed: 7n }

t.test('a job id is a function of every field of the job and the round', async (t) => {
  const id = jobIdFor('r1', job)
  t.match(id, /^ev-[0-9a-f]{40}$/)
  t.equal(jobIdFor('r1', { ...job }), id, 'deterministic')
  t.equal(jobIdFor('r1', { ...job, seed: '0x7' }), id, 'the seed by value, not by spelling')
  const variants = [
    jobIdFor('r2', job),
    jobIdFor('r1', { ...job, hotkey: '5Abd' }),
    jobIdFor('r1', { ...job, repo: 'miner/ds2' }),
    jobIdFor('r1', { ...job, sha: 'b'.repeat(40) }),
    jobIdFor('r1', { ...job, configId: 'cfg-x' }),
    jobIdFor('r1', { ...job, uid: 4 }),
    jobIdFor('r1', { ...job, path: 'other.jsonl' }),
    jobIdFor('r1', { ...job, seed: 8n }),
  ]
  t.equal(new Set([id, ...variants]).size, 9, 'each field changes the id')
  t.not(jobIdFor('r1', { ...job, hotkey: 'a', repo: 'b' }), jobIdFor('r1', { ...job, hotkey: 'ab', repo: '' }), 'fields cannot run into each other')
})

t.test('seeds: bigint, number, decimal and 0x strings in [0, 2^64); nothing else', async (t) => {
  t.equal(normalizeSeed(5n), '5')
  t.equal(normalizeSeed(42), '42')
  t.equal(normalizeSeed('0xff'), '255')
  t.equal(normalizeSeed('18446744073709551615'), '18446744073709551615')
  for (const bad of [-1, 1.5, '18446744073709551616', '0x1' + '0'.repeat(16), 'abc', '-3', null, undefined, 2n ** 64n])
    t.throws(() => normalizeSeed(bad), InvalidArgumentError, `refuses ${String(bad)}`)
  t.same(normalizeJob(job), { ...job, seed: '7' })
  t.throws(() => normalizeJob({ ...job, uid: -1 }), /jobs\[0\]\.uid/)
  t.throws(() => normalizeJob({ ...job, hotkey: '' }, 4), /jobs\[4\]\.hotkey/)
  t.throws(() => normalizeJob({ ...job, seed: 'x' }), /jobs\[0\]\.seed/)
})

t.test('round ids, queue names and devices are checked', async (t) => {
  t.equal(assertRoundId('96-4512000'), '96-4512000')
  for (const bad of ['', 'a:b', 'x'.repeat(129), 'a b', 5]) t.throws(() => assertRoundId(bad), InvalidArgumentError)
  t.equal(queueNameFor('cfg-00ff'), 'eval-cfg-00ff')
  t.throws(() => queueNameFor('a:b'), InvalidArgumentError)
  t.same(parseDevices('cuda:0, cuda:1'), ['cuda:0', 'cuda:1'])
  t.same(parseDevices(['cpu', 'cpu']), ['cpu', 'cpu'])
  for (const bad of ['', 'cpu,,cpu', 'CUDA:0', 'cuda:x']) t.throws(() => parseDevices(bad), InvalidArgumentError, bad)
})

t.test('a config id names the content, whatever the key order', async (t) => {
  const id = competitionConfigId(defaultCompetitionConfig)
  t.match(id, /^cfg-[0-9a-f]{16}$/)
  const reordered = Object.fromEntries(Object.entries(structuredClone(defaultCompetitionConfig)).reverse())
  t.equal(competitionConfigId(reordered as typeof defaultCompetitionConfig), id)
  t.not(competitionConfigId(mergeCompetitionConfig(defaultCompetitionConfig, { training: { learningRate: 1e-4 } })), id)
  t.throws(() => competitionConfigId({ ...defaultCompetitionConfig, version: 2 } as never), /version/)
})

t.test('the one failure policy: dataset problems and refused downloads are final; what may pass is retried, within MAX_ATTEMPTS', async (t) => {
  const ds = classifyFailure(new DatasetError([{ code: 'E_SCHEMA', line: 3, field: 'conversations', message: 'line 3: conversations: required' }], false))
  t.same(ds, { retry: false, code: 'invalid-dataset', reason: '1 problem(s): line 3: conversations: required' })
  for (const err of [
    new HubNotFoundError('file not found', { repo: 'datasets/a/b' }),
    new HubRevisionError('not a commit sha'),
    new HubFileTooLargeError('file is 9 bytes, over the cap of 1'),
  ]) {
    const v = classifyFailure(err)
    t.equal(v.retry, false, err.name)
    t.equal(v.code, 'download-failed', err.name)
    t.match(v.reason, new RegExp(`^${err.code}: `))
  }
  t.equal(classifyFailure(new InvalidArgumentError('train: none of the 3 sampled rows has an assistant token')).retry, false)
  t.match(classifyFailure(new NumericError('E_NUMERIC', 'loss is NaN')), { retry: false, code: 'training-failed' })
  t.same(classifyFailure(new HubServerError('HTTP 503')), { retry: true, code: 'download-failed', reason: 'E_HUB_SERVER: HTTP 503' })
  t.equal(classifyFailure(new HubNetworkError('reset')).retry, true)
  t.match(classifyFailure(new HubProtocolError('the tree listing is not JSON')), { retry: false, code: 'download-failed' }, 'a malformed hub answer is final, as the hub client itself does not retry it')
  t.same(classifyFailure(new CancelledError('E_CANCELLED', 'cancelled'), { budgetMs: 90_000 }), { retry: true, code: 'timeout', reason: 'the evaluation took longer than its budget of 90 s' })
  t.equal(MAX_ATTEMPTS, 3)
  t.same(classifyFailure(new Error('out of memory\nstack')), { retry: true, code: 'training-failed', reason: 'Error: out of memory' })
  t.equal(classifyFailure('weird').retry, true)
  t.equal(classifyFailure(new Error('x'.repeat(2000))).reason.length, 500, 'reasons are one bounded line')
})

t.test('a Redis URL in logs keeps neither its password nor its query options', async (t) => {
  const { redactRedisUrl } = await import('../../lib/evaluator/redis.js')
  const shown = redactRedisUrl('redis://user:s3cret-pass@cache.internal:6380/2?password=other-s3cret&db=2')
  t.notMatch(shown, /s3cret/)
  t.match(shown, /^redis:\/\/user:\*\*\*@cache\.internal:6380\/2\?/)
  t.equal(redactRedisUrl('not a url s3cret'), '(unparseable redis url)')
})
