// One process per store: processes that open one store at the same instant never both hold
// it, with or without a claim left by a killed holder; a process that finds it held is told
// by whom; a killed holder's claim does not keep a restart out.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import t from 'tap'

import { ResultStore, StoreLockedError } from '../../lib/validator/store/index.js'
import { helperScript } from '../helpers/paths.js'

const tmp = () => {
  const dir = mkdtempSync(join(tmpdir(), 'flock-store-lock-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

interface Opener {
  pid: number
  send(cmd: string): void
  next(): Promise<string>
  kill(): Promise<void>
}

async function opener(dir: string): Promise<Opener> {
  const child = spawn(process.execPath, [...helperScript('store-opener'), dir], { stdio: ['pipe', 'pipe', 'inherit'] })
  const queue: string[] = []
  const waiting: Array<(line: string) => void> = []
  createInterface({ input: child.stdout }).on('line', (line) => {
    const w = waiting.shift()
    if (w) w(line)
    else queue.push(line)
  })
  const exited = new Promise<void>((resolve) => child.on('exit', () => resolve()))
  t.teardown(() => void child.kill('SIGKILL'))
  const o: Opener = {
    pid: child.pid as number,
    send: (cmd) => void child.stdin.write(`${cmd}\n`),
    next: () => (queue.length > 0 ? Promise.resolve(queue.shift() as string) : new Promise((resolve) => waiting.push(resolve))),
    kill: async () => {
      child.kill('SIGKILL')
      await exited
    },
  }
  t.equal(await o.next(), 'ready')
  return o
}

/** Sends "go" to every opener at once; resolves to what each answered. */
async function race(openers: Opener[]): Promise<string[]> {
  for (const o of openers) o.send('go')
  return Promise.all(openers.map((o) => o.next()))
}

t.test('three processes opening one store at the same instant: exactly one holds it, every round', async (t) => {
  const dir = tmp()
  const openers = await Promise.all([opener(dir), opener(dir), opener(dir)])
  for (let round = 1; round <= 20; round++) {
    const answers = await race(openers)
    t.equal(answers.filter((a) => a === 'held').length, 1, `round ${round}: one holder (${answers.join(', ')})`)
    t.ok(answers.filter((a) => a !== 'held').every((a) => a === 'locked E_STORE_LOCKED'), 'the others are told it is locked')
    const holder = openers[answers.indexOf('held')] as Opener
    holder.send('release')
    t.equal(await holder.next(), 'released')
  }
  // the holder is killed: its claim stays behind, and the two left race past it
  const answers = await race(openers)
  const holder = openers[answers.indexOf('held')] as Opener
  await holder.kill()
  const rest = openers.filter((o) => o !== holder)
  for (let round = 1; round <= 3; round++) {
    const again = await race(rest)
    t.equal(again.filter((a) => a === 'held').length, 1, `after a kill, round ${round}: one holder (${again.join(', ')})`)
    const h = rest[again.indexOf('held')] as Opener
    h.send('release')
    t.equal(await h.next(), 'released')
  }
})

t.test('in one process: a second open is refused naming the holder; a claim left by an earlier process with this pid is not', async (t) => {
  const dir = tmp()
  const a = await ResultStore.open(dir)
  const err = await ResultStore.open(dir).catch((e: unknown) => e)
  t.type(err, StoreLockedError)
  t.match((err as Error).message, `is in use by process ${process.pid}`)
  await a.close()
  // a container's PID 1, killed and restarted: the claim has this pid but is not this process's
  const { createHash } = await import('node:crypto')
  const tag = createHash('sha256').update(hostname()).digest('hex').slice(0, 8)
  const stale = join(dir, `lock.${tag}.${process.pid}.${Date.now() - 1000}.0badc0de`)
  writeFileSync(stale, '')
  writeFileSync(`${stale}.held`, '')
  const b = await ResultStore.open(dir)
  await b.close()
  // a lock file of the previous version held by a live process counts; a half-written one does not
  writeFileSync(join(dir, 'lock'), JSON.stringify({ pid: process.ppid, host: hostname(), startedAt: Date.now() }))
  await t.rejects(ResultStore.open(dir), { code: 'E_STORE_LOCKED', message: new RegExp(`in use by process ${process.ppid}`) })
  writeFileSync(join(dir, 'lock'), '')
  const c = await ResultStore.open(dir)
  await c.close()
})
