// Every file read whole from an untrusted place is capped on the bytes read, not on the size
// stat reports: a link to /dev/zero in place of each one gives a typed error naming the
// file, and the process goes on.
import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

import { loadCompetitionConfig } from '../../lib/config/load.js'
import { readJsonFile } from '../../lib/chain/json-file.js'
import { loadHotkey } from '../../lib/chain/wallet.js'
import { resolveHfToken } from '../../lib/hub/token.js'
import { readTokenizerFiles } from '../../lib/tokenize/model-files.js'
import { FileTooLargeError, readFileCapped, readTextCappedSync } from '../../lib/util/read-capped.js'
import { modelFingerprint } from '../../lib/validator/model-fingerprint.js'

const dir = mkdtempSync(join(tmpdir(), 'flock-capped-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

/** `name` inside `dir` as a link to /dev/zero. */
function zero(name: string): string {
  const p = join(dir, name)
  mkdirSync(join(p, '..'), { recursive: true })
  symlinkSync('/dev/zero', p)
  return p
}

t.test('readFileCapped: exactly the cap is read, one byte more is refused, a device stops at the cap', async (t) => {
  const p = join(dir, 'ten')
  writeFileSync(p, '0123456789')
  t.equal((await readFileCapped(p, 10)).toString(), '0123456789')
  t.equal((await readFileCapped(p, 3 << 20)).length, 10)
  await t.rejects(readFileCapped(p, 9), { name: 'FileTooLargeError', code: 'E_FILE_TOO_LARGE', path: p, maxBytes: 9 })
  const dev = await readFileCapped('/dev/zero', 5 << 20).catch((e: unknown) => e)
  t.ok(dev instanceof FileTooLargeError)
  t.match((dev as Error).message, '/dev/zero: larger than the limit of 5242880 bytes')
  t.throws(() => readTextCappedSync('/dev/zero', 1024), FileTooLargeError)
  t.equal((await readFileCapped(join(dir, 'ten'), 0).catch((e: unknown) => e) as Error).name, 'FileTooLargeError')
  await t.rejects(readFileCapped(join(dir, 'none'), 10), { code: 'ENOENT' })
})

t.test('a competition config that never ends', async (t) => {
  const p = zero('competition.json')
  await t.rejects(loadCompetitionConfig(p), { code: 'E_COMPETITION_CONFIG', message: new RegExp(`${p}: cannot read the competition config .*larger than the limit of 1048576 bytes`) })
})

t.test('a local chain state file that never ends', async (t) => {
  const p = zero('chain/state.json')
  await t.rejects(readJsonFile(p), { name: 'ChainStateError', message: /state\.json.*larger than the limit of 268435456 bytes/ })
})

t.test('a hotkey file that never ends', async (t) => {
  zero('wallets/w/hotkeys/h')
  await t.rejects(loadHotkey({ path: join(dir, 'wallets'), name: 'w', hotkey: 'h' }), { name: 'WalletError', message: /hotkeys\/h is larger than 65536 bytes/ })
})

t.test('a .env file that never ends', async (t) => {
  const p = zero('project/.env')
  t.throws(() => resolveHfToken({ env: {}, envFile: p }), { name: 'HubAuthError', message: /\.env is larger than 1048576 bytes/ })
})

t.test('tokenizer files and the model fingerprint in a model folder whose files never end', async (t) => {
  const model = join(dir, 'model')
  zero('model/tokenizer.json')
  await t.rejects(readTokenizerFiles(model), { name: 'TokenizerError', message: /tokenizer\.json: cannot read .*larger than the limit of 67108864 bytes/ })
  rmSync(join(model, 'tokenizer.json'))
  writeFileSync(join(model, 'tokenizer.json'), '{}')
  zero('model/chat_template.jinja')
  await t.rejects(readTokenizerFiles(model), { name: 'TokenizerError', message: /chat_template\.jinja: cannot read/ })
  writeFileSync(join(model, 'model.safetensors'), Buffer.alloc(16))
  await t.rejects(modelFingerprint(model), { name: 'FileTooLargeError', message: /chat_template\.jinja: larger than the limit of 67108864 bytes/ })
})
