// The coordinator's repair of a round: a job BullMQ lost is queued again, and a job BullMQ
// gave up on (as after crashing its workers too often) is decided ineligible with the reason.
// A stand-in BullMQ worker in this process plays the workers' part.
import { Queue, UnrecoverableError, Worker } from 'bullmq'
import { Redis } from 'ioredis'
import t from 'tap'

import { EvaluationQueue, type EvaluationResult, jobIdFor, queueNameFor } from '../../lib/evaluator/index.js'
import type { QueuedJobData } from '../../lib/evaluator/job.js'
import { RoundStore } from '../../lib/evaluator/round-store.js'
import { startRedis } from '../helpers/redis-server.js'

const redis = await startRedis()
const conn = new Redis(redis.url, { maxRetriesPerRequest: null })
t.teardown(async () => {
  await conn.quit()
  await redis.stop()
})
const prefix = 'rec'
const configId = 'cfg-0000000000000001'
const job = (i: number) => ({ hotkey: `hk${i}`, uid: i, repo: `m${i}/ds`, sha: String(i).repeat(40), path: 'data.jsonl', configId, seed: 1 })
const round = { id: 'repair', jobs: [job(0), job(1), job(2)] }
const [lostId, deadId, fineId] = round.jobs.map((j) => jobIdFor('repair', j))

t.test('lost jobs are queued again; dead ones end ineligible with their reason', async (t) => {
  const coordinator = new EvaluationQueue({ redisUrl: redis.url, prefix, pollMs: 20, reconcileMs: 200 })
  t.teardown(() => coordinator.close())
  const queue = new Queue(queueNameFor(configId), { connection: conn, prefix })
  t.teardown(() => queue.close())
  await coordinator.submitRound(round)
  t.equal(await queue.getJobState(lostId!), 'waiting')
  await queue.remove(lostId!)
  t.equal(await queue.getJobState(lostId!), 'unknown', 'the job is gone from BullMQ')

  const store = new RoundStore(conn, { prefix, ttlSeconds: 60 })
  const ran: string[] = []
  const workerConn = conn.duplicate()
  const worker = new Worker<QueuedJobData>(
    queueNameFor(configId),
    async (bull) => {
      ran.push(bull.id!)
      if (bull.id === deadId) throw new UnrecoverableError('job stalled more than allowable limit (stand-in)')
      const r: EvaluationResult = {
        jobId: bull.id!, roundId: bull.data.roundId, hotkey: bull.data.job.hotkey, uid: bull.data.job.uid, status: 'scored',
        evalLoss: 1.5, device: 'cpu', worker: 'stand-in', attempts: bull.attemptsStarted, seconds: 0, tokensPerSecond: 0,
      }
      await store.putResult(r)
      return r
    },
    { connection: workerConn, prefix, autorun: true },
  )
  t.teardown(async () => {
    await worker.close()
    await workerConn.quit()
  })

  const results = await coordinator.evaluateRound(round)
  t.same(results.map((r) => r.jobId), [lostId, deadId, fineId])
  t.match(results[0], { status: 'scored', worker: 'stand-in' }, 'the lost job was queued again and ran')
  t.match(results[1], { status: 'ineligible', device: 'none', worker: /^coordinator@/, reason: 'the job failed on its workers: job stalled more than allowable limit (stand-in)', attempts: 1 })
  t.match(results[2], { status: 'scored' })
  t.equal(ran.filter((id) => id === lostId).length, 1)
})

t.test('a job submitted twice is one job; a job stored with other settings is refused', async (t) => {
  const coordinator = new EvaluationQueue({ redisUrl: redis.url, prefix })
  t.teardown(() => coordinator.close())
  const twice = await coordinator.submitRound({ id: 'twice', jobs: [job(0), job(0), { ...job(0), seed: '0x1' }, { ...job(0), seed: 2 }] })
  t.equal(twice.size, 2, 'the same job (seed 1 written two ways) once, and the same file with another seed as its own job')
  await conn.hset(`${prefix}:round:tampered:jobs`, jobIdFor('tampered', job(0)), JSON.stringify({ ...job(0), seed: '9' }))
  await t.rejects(coordinator.submitRound({ id: 'tampered', jobs: [job(0)] }), /is stored with other settings/)
  await t.rejects(coordinator.submitRound({ id: 'seeds', jobs: [{ ...job(0), seed: -1 }] }), /jobs\[0\]\.seed/)
  t.throws(() => new EvaluationQueue({ redisUrl: 'http://x', prefix }), /redis:\/\/ or rediss:\/\//)
  t.throws(() => new EvaluationQueue({ redisUrl: redis.url, attempts: 0 }), /attempts/)
})
