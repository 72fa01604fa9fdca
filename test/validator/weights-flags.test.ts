// flock-validator's weights flags: --weights.commit_reveal takes auto or hash, --weights.mechanism_id a u8.
import { spawn } from 'node:child_process'

import t from 'tap'

import { binPath } from '../helpers/bin.js'

function run(args: string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [binPath('flock-validator'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    let stderr = ''
    child.stderr.on('data', (d) => (stderr += String(d)))
    child.on('close', (code) => resolve({ code, stderr }))
  })
}

t.test('bad weights flags are refused before anything starts', async (t) => {
  const bad = await run(['--weights.commit_reveal', 'later', '--weights.mechanism_id', '300'])
  t.not(bad.code, 0)
  t.match(bad.stderr, /--weights.commit_reveal must be auto or hash, got "later"/)
  t.notMatch(bad.stderr, /flock-validator failed/, 'refused by the flag check, not by a later step')
})
