/** Turning what @polkadot/api reports into this package's chain errors. */
import type { ApiPromise } from '@polkadot/api'
import type { DispatchError } from '@polkadot/types/interfaces'

import { ChainConnectionError, ChainDispatchError, ChainRpcError, ChainTransactionError } from '../errors.js'
import { FlockError } from '../../errors.js'

const pascal = (s: string): string => s.charAt(0).toUpperCase() + s.slice(1)

export function decodeDispatchError(api: ApiPromise, error: DispatchError, call: string): ChainDispatchError {
  if (error.isModule) {
    const meta = api.registry.findMetaError(error.asModule)
    return new ChainDispatchError(pascal(meta.section), meta.name, meta.docs.join(' ').trim(), call)
  }
  // Non-module errors (BadOrigin, Token, Arithmetic...) have no pallet.
  const detail = error.isToken ? error.asToken.type : error.isArithmetic ? error.asArithmetic.type : ''
  return new ChainDispatchError('Runtime', error.type, detail, call)
}

/** Keeps our own errors; wraps anything else as a connection or transaction error. */
export function classifyError(err: unknown, connected: boolean, what: string, kind: 'read' | 'transaction'): Error {
  if (err instanceof FlockError) return err
  const message = err instanceof Error ? err.message : String(err)
  if (!connected) return new ChainConnectionError(`${what}: connection lost (${message})`, { cause: err })
  return kind === 'read'
    ? new ChainRpcError(`${what}: ${message}`, { cause: err })
    : new ChainTransactionError(`${what}: ${message}`, { cause: err })
}
