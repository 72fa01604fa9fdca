/** The chain room: subtensor client, local chain, btcli wallets, commitment codec. */
export * from './errors.js'
export type * from './types.js'
export { SubtensorChain, type SubtensorChainOptions } from './subtensor/chain.js'
export { SUBTENSOR_SIGNED_EXTENSIONS } from './subtensor/connection.js'
export { LocalChain, type LocalChainOptions, type LocalSubnetParams } from './local-chain/chain.js'
export { NETWORKS, resolveEndpoint, type NetworkName } from './networks.js'
export { loadHotkey, hotkeyFilePath, checkWalletName, expandWalletPath, DEFAULT_WALLET_PATH, type Hotkey, type WalletOptions } from './wallet.js'
export {
  formatCommitment, parseCommitment, verifyCommitmentProof, commitmentProof, commitmentOfContent, repoIdProblem, MAX_COMMITMENT_BYTES,
  type DatasetCommitment, type CommitmentParse, type ProofCheck,
} from './commitment.js'
export { commitmentSpaceCharge, timelockPlaintext, revealedText } from './commitment-fields.js'
export {
  epochIndex, blocksUntilNextEpoch, revealTiming, epochSeenAt, currentEpoch, firstBlockOfEpoch, epochWindowOf, epochInfo, predictRevealBlock, MAX_TEMPO,
  type EpochState, type EpochScheduler, type RevealTiming, type EpochWindowInfo,
} from './epoch.js'
export { QUICKNET, drandRoundAt, timelockRevealRound, roundAfterBlocks, REVEAL_SECURITY_BLOCKS, type RevealRoundOptions } from './drand.js'
export { encryptTimelocked, decryptTimelocked, roundIdentity, LocalBeacon, type TimelockOptions } from './timelock.js'
export {
  encryptTimelockedWeights, decryptTimelockedWeights, encodeWeightsPayload, decodeWeightsPayload,
  type TimelockedWeightsInput, type WeightsTlockPayload,
} from './weights-tlock.js'
export { timelockCommitment, MAX_TIMELOCKED_BYTES } from './timelocked-commitment.js'
export { type RuntimeFeatures, type WeightCommitsLayout } from './subtensor/runtime.js'
export { weightsCommitHash, randomSalt, type WeightsCommitInput } from './weights-hash.js'
export { checkWeightsArgs, mechanismStorageIndex, GLOBAL_MAX_SUBNET_COUNT } from './weights.js'
export { PendingRevealStore } from './pending-reveals.js'
