/**
 * A throwaway redis-server on 127.0.0.1 and a random port, no persistence, killed at the
 * end. Missing redis-server is an error that says how to install it, not a skip.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { createServer } from 'node:net'

export interface RedisServer {
  readonly url: string
  readonly port: number
  stop(): Promise<void>
}

export const REDIS_INSTALL_HINT =
  'redis-server is not installed; the queue tests need it: `apt-get update && apt-get install -y redis-server` (.ci/run does this when it is missing)'

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer()
    srv.once('error', reject)
    srv.listen(0, '127.0.0.1', () => {
      const port = (srv.address() as { port: number }).port
      srv.close(() => resolve(port))
    })
  })
}

function waitReady(child: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    let out = ''
    const onData = (chunk: Buffer) => {
      out += String(chunk)
      if (out.includes('Ready to accept connections')) {
        child.stdout?.off('data', onData)
        resolve()
      }
    }
    child.stdout?.on('data', onData)
    child.once('exit', (code) => reject(new Error(`redis-server exited (${code}) before it was ready:\n${out}`)))
  })
}

export async function startRedis(): Promise<RedisServer> {
  if (spawnSync('redis-server', ['--version']).error) throw new Error(REDIS_INSTALL_HINT)
  let lastError: unknown
  for (let tries = 0; tries < 5; tries++) {
    const port = await freePort()
    const child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    try {
      await waitReady(child)
    } catch (err) {
      lastError = err // most likely the port was taken in between
      continue
    }
    child.stdout?.resume()
    return {
      url: `redis://127.0.0.1:${port}`,
      port,
      stop: () =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null) return resolve()
          child.once('exit', () => resolve())
          child.kill('SIGKILL')
        }),
    }
  }
  throw lastError
}
