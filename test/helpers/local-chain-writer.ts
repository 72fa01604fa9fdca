// Child process for the local chain's multi-process test: advances the chain and
// publishes `count` commitments as one hotkey. Args: state file, hotkey, count.
import { LocalChain } from '../../lib/chain/index.js'

const [path, hotkey, count] = process.argv.slice(2) as [string, string, string]
const chain = await LocalChain.open({ path, hotkey })
for (let i = 0; i < Number(count); i++) {
  await chain.advanceBlocks(1)
  await chain.publishCommitment(1, `${hotkey.slice(0, 8)}/n:${i}`)
}
