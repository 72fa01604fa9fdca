/** A commitment hidden until a drand round: `Data::TimelockEncrypted { encrypted, reveal_round }`, revealed by the commitments pallet. */
import { timelockPlaintext } from './commitment-fields.js'
import { roundAfterBlocks, type RevealRoundOptions } from './drand.js'
import { ChainRequestError } from './errors.js'
import { encryptTimelocked } from './timelock.js'

/** The pallet's bound on the ciphertext of one timelocked field. */
export const MAX_TIMELOCKED_BYTES = 1024

export function timelockCommitment(text: string, blocks: number, o: RevealRoundOptions): { encrypted: Uint8Array; revealRound: bigint } {
  if (!Number.isInteger(blocks) || blocks < 1) throw new ChainRequestError(`timelock of ${blocks} blocks: give a whole number of blocks, at least 1`)
  const revealRound = roundAfterBlocks(blocks, o)
  const encrypted = encryptTimelocked(timelockPlaintext(text), revealRound)
  if (encrypted.length > MAX_TIMELOCKED_BYTES) throw new ChainRequestError(`the timelocked commitment is ${encrypted.length} bytes; at most ${MAX_TIMELOCKED_BYTES} fit`)
  return { encrypted, revealRound }
}
