// flock-validator's weights flags: --weights.commit_reveal takes auto or hash, --weights.mechanism_id a u8.
import t from 'tap'

import { runBin } from '../helpers/bin.js'

const run = (args: string[]) => runBin('flock-validator', args)

t.test('bad weights flags are refused before anything starts', async (t) => {
  const bad = await run(['--weights.commit_reveal', 'later', '--weights.mechanism_id', '300'])
  t.not(bad.code, 0)
  t.match(bad.stderr, /--weights.commit_reveal must be auto or hash, got "later"/)
  t.notMatch(bad.stderr, /flock-validator failed/, 'refused by the flag check, not by a later step')
})
