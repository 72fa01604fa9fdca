/** The chain room: subtensor client, local chain, btcli wallets, commitment codec. */
export * from './errors.js'
export type * from './types.js'
export { SubtensorChain, type SubtensorChainOptions } from './subtensor/chain.js'
export { SUBTENSOR_SIGNED_EXTENSIONS } from './subtensor/connection.js'
export { LocalChain, type LocalChainOptions, type LocalSubnetParams } from './local/chain.js'
export { NETWORKS, resolveEndpoint, type NetworkName } from './networks.js'
export { loadHotkey, hotkeyFilePath, checkWalletName, expandWalletPath, DEFAULT_WALLET_PATH, type Hotkey, type WalletOptions } from './wallet.js'
export {
  formatCommitment, parseCommitment, verifyCommitmentProof, commitmentProof, commitmentOfContent, repoIdProblem, MAX_COMMITMENT_BYTES,
  type DatasetCommitment, type CommitmentParse, type ProofCheck,
} from './commitment.js'
export { commitmentSpaceCharge } from './commitment-fields.js'
export { epochIndex, blocksUntilNextEpoch, revealWindow, revealTiming, type RevealWindow, type RevealTiming } from './epoch.js'
export { weightsCommitHash, randomSalt, type WeightsCommitInput } from './weights-hash.js'
export { checkWeightsArgs } from './weights.js'
export { PendingRevealStore } from './pending-reveals.js'
