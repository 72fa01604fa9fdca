/** Subtensor endpoints by network name, as the bittensor SDK names them. */
import { ChainRequestError } from './errors.js'

export const NETWORKS = {
  finney: 'wss://entrypoint-finney.opentensor.ai:443',
  test: 'wss://test.finney.opentensor.ai:443',
  local: 'ws://127.0.0.1:9944',
} as const

export type NetworkName = keyof typeof NETWORKS

/** A network name or an explicit ws:// / wss:// endpoint. */
export function resolveEndpoint(networkOrEndpoint: string): string {
  if (Object.hasOwn(NETWORKS, networkOrEndpoint)) return NETWORKS[networkOrEndpoint as NetworkName]
  let url: URL
  try {
    url = new URL(networkOrEndpoint)
  } catch {
    throw new ChainRequestError(`${JSON.stringify(networkOrEndpoint)} is neither a network (${Object.keys(NETWORKS).join(', ')}) nor a ws:// or wss:// URL`)
  }
  if (url.protocol !== 'ws:' && url.protocol !== 'wss:') {
    throw new ChainRequestError(`endpoint ${JSON.stringify(networkOrEndpoint)} must be a ws:// or wss:// URL`)
  }
  return networkOrEndpoint
}
