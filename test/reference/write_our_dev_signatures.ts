// Loads the dev hotkeys bittensor-wallet wrote (make_dev_wallets.py --wallets) with our loader and
// signs the fixture message with each, for make_dev_wallets.py to verify with bittensor-wallet.
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'

import { u8aToHex } from '@polkadot/util'

import { loadHotkey } from '../../lib/chain/index.js'
import { repoRoot } from '../helpers/paths.js'

const fixtures = join(repoRoot, 'test', 'fixtures', 'chain')
const message = new TextEncoder().encode('flock dev wallet')
const signatures = []
for (const hotkey of ['alice', 'hot1', 'soft']) {
  const key = await loadHotkey({ path: join(fixtures, 'dev-wallets'), name: 'dev', hotkey })
  signatures.push({ hotkey, address: key.address, signature: u8aToHex(key.pair.sign(message)) })
}
writeFileSync(join(fixtures, 'dev-wallet-ours.json'), `${JSON.stringify({ signatures }, null, 1)}\n`)
console.log(`signed with ${signatures.length} dev hotkeys`)
