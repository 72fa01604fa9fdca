/** A subnet on one machine for local runs and the demo: LocalChain, a folder hub, a tiny model. */
export { openLocalNetwork, localNetworkPaths, defaultLocalStateDir, LOCAL_MODEL_SEED, devAddress, LOCAL_SUBNET, type LocalNetwork, type LocalNetworkPaths } from './network.js'
export { localCompetitionConfig } from './config.js'
export { countingRows, colorRows, shuffledRows, toJsonl } from './chat-data.js'
