/** A subnet on one machine for local runs and the demo: LocalChain, a folder hub, a tiny model. */
export {
  openLocalNetwork, localNetworkPaths, defaultLocalStateDir, expandHome, LOCAL_MODEL_SEED, LOCAL_BLOCK_TIME_MS, devAddress, LOCAL_SUBNET,
  type LocalNetwork, type LocalNetworkPaths, type OpenLocalNetworkOptions,
} from './network.js'
export { localCompetitionConfig } from './config.js'
export { countingRows, colorRows, shuffledRows, toJsonl } from './chat-data.js'
