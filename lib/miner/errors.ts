/** Errors of the miner's own steps (the dataset, hub and chain rooms raise their own). */
import { FlockError } from '../errors.js'

export type MinerErrorCode =
  | 'E_NOT_REGISTERED' // the hotkey has no uid on the subnet, so the chain would refuse its commitment
  | 'E_NO_SIGNER' // the chain client has no hotkey
  | 'E_SPACE_EXHAUSTED' // this epoch's commitment space is used up
  | 'E_NO_EVAL_SET' // preview has no eval set: none in the config and no --eval_path
  | 'E_COMMIT_FAILED' // the upload worked, the chain commitment did not
  | 'E_COMMITMENT_MISMATCH' // the chain does not hold what was just committed
  | 'E_NOT_ELIGIBLE' // the competition would not let this dataset compete (flock-off-s1: rows outside the eval set)

export class MinerError extends FlockError {
  declare readonly code: MinerErrorCode
  constructor(code: MinerErrorCode, message: string, options?: { cause?: unknown }) {
    super(code, message, options)
  }
}
