import { Writable } from 'node:stream'
import t from 'tap'
import yargs from 'yargs'

import { logLevel, withCommonFlags } from '../../lib/cli/common-flags.js'
import { createLogger } from '../../lib/cli/logger.js'

const parse = async (argv: string[]) => withCommonFlags(yargs(argv)).strict().exitProcess(false).fail((m) => { throw new Error(m) }).parseAsync()

t.test('subnet README flags parse into nested objects; unknown flags are refused', async (t) => {
  const a = await parse(['--wallet.name', 'cold', '--wallet.hotkey', 'hot', '--subtensor.network', 'test', '--netuid', '7', '--logging.debug'])
  t.same(a.wallet, { name: 'cold', hotkey: 'hot', path: '~/.bittensor/wallets' })
  t.equal(a.subtensor.network, 'test')
  t.equal(a.netuid, 7)
  t.equal(logLevel(a), 'debug')
  await t.rejects(parse(['--walet.name', 'x']), /Unknown argument/)
  await t.rejects(parse(['--netuid', '70000']), /--netuid must be an integer/)
  t.equal((await parse(['--subtensor.block_time', '0.25'])).subtensor.block_time, 0.25)
  await t.rejects(parse(['--subtensor.block_time', '0']), /--subtensor.block_time must be a positive number/)
})

t.test('the logger redacts secret fields', async (t) => {
  let out = ''
  const sink = new Writable({ write: (c, _e, cb) => ((out += String(c)), cb()) })
  const log = createLogger({ name: 't', destination: sink })
  log.info({ token: 'hf_SECRET1', wallet: { secretPhrase: 'word word', name: 'w' }, headers: { authorization: 'Bearer hf_SECRET2' } }, 'hello')
  t.notOk(out.includes('SECRET'), 'no secret in the log line')
  t.notOk(out.includes('word word'))
  t.ok(out.includes('[redacted]') && out.includes('"name":"w"'))
})
