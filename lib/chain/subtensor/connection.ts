/** Opening @polkadot/api on a subtensor node, with timeouts and waiting out a dropped connection. */
import { ApiPromise, WsProvider } from '@polkadot/api'
import type { ExtDef } from '@polkadot/types/extrinsic/signedExtensions/types'

import { ChainConnectionError, ChainTimeoutError } from '../errors.js'

/**
 * Signed extensions of newer subtensor runtimes that @polkadot/api does not know.
 * They add nothing to the extrinsic or to the signed payload; declaring them keeps
 * the payload layout right and silences the registry's warning.
 */
export const SUBTENSOR_SIGNED_EXTENSIONS: ExtDef = {
  SubtensorTransactionExtension: { extrinsic: {}, payload: {} },
  DrandPriority: { extrinsic: {}, payload: {} },
}

/** Rejects with ChainTimeoutError when `promise` has not settled within `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, operation: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new ChainTimeoutError(operation, ms)), ms)
  })
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer))
}

/** Resolves once the provider is connected; rejects with ChainConnectionError after `ms`. */
export function waitForConnection(provider: WsProvider, ms: number): Promise<void> {
  if (provider.isConnected) return Promise.resolve()
  return new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      off()
      reject(new ChainConnectionError(`no connection to ${provider.endpoint} within ${ms} ms`))
    }, ms)
    const off = provider.on('connected', () => {
      clearTimeout(timer)
      off()
      resolve()
    })
  })
}

/**
 * WsProvider caches the promise of every request made at a block hash, pending or
 * rejected ones included: after a dropped or stalled request, the retry would get the
 * same failed promise back. Reads here are few, so the cache is turned off.
 */
class UncachedWsProvider extends WsProvider {
  override send<T = unknown>(method: string, params: unknown[], _isCacheable?: boolean, subscription?: Parameters<WsProvider['send']>[3]): Promise<T> {
    return super.send<T>(method, params, false, subscription)
  }
}

export interface OpenOptions {
  endpoint: string
  timeoutMs: number
  reconnectDelayMs: number
}

export async function openApi(options: OpenOptions): Promise<{ api: ApiPromise; provider: WsProvider }> {
  const provider = new UncachedWsProvider(options.endpoint, options.reconnectDelayMs, {}, options.timeoutMs)
  try {
    await waitForConnection(provider, options.timeoutMs)
    const api = new ApiPromise({ provider, signedExtensions: SUBTENSOR_SIGNED_EXTENSIONS, noInitWarn: true })
    return { api: await withTimeout(api.isReadyOrError, options.timeoutMs, `initialising the API on ${options.endpoint}`), provider }
  } catch (err) {
    await provider.disconnect().catch(() => undefined)
    throw err
  }
}
