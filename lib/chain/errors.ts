/**
 * Errors of the chain room. Messages name the offending input but never a
 * secret: wallet errors carry paths and addresses only.
 */
import { FlockError } from '../errors.js'

/** The node cannot be reached, or the connection dropped and did not come back in time (E_CHAIN_CONNECTION). */
export class ChainConnectionError extends FlockError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_CHAIN_CONNECTION', message, options)
  }
}

/** A chain call did not answer within its timeout (E_CHAIN_TIMEOUT). */
export class ChainTimeoutError extends FlockError {
  readonly operation: string
  readonly timeoutMs: number
  constructor(operation: string, timeoutMs: number) {
    super('E_CHAIN_TIMEOUT', `${operation} did not complete within ${timeoutMs} ms`)
    this.operation = operation
    this.timeoutMs = timeoutMs
  }
}

/** An extrinsic was included but its dispatch failed; `pallet` and `error` name the runtime error (E_CHAIN_DISPATCH). */
export class ChainDispatchError extends FlockError {
  readonly pallet: string
  readonly error: string
  readonly docs: string
  constructor(pallet: string, error: string, docs: string, call: string) {
    super('E_CHAIN_DISPATCH', `${call} failed: ${pallet}.${error}${docs ? ` (${docs})` : ''}`)
    this.pallet = pallet
    this.error = error
    this.docs = docs
  }
}

/** The node refused a transaction before inclusion (invalid, dropped, usurped) (E_CHAIN_TRANSACTION). */
export class ChainTransactionError extends FlockError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_CHAIN_TRANSACTION', message, options)
  }
}

/** The node answered a request with an error, or with data that does not decode (E_CHAIN_RPC). */
export class ChainRpcError extends FlockError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_CHAIN_RPC', message, options)
  }
}

/** Something asked of the chain is not possible as asked: no signer, unknown subnet or hotkey, bad arguments (E_CHAIN_REQUEST). */
export class ChainRequestError extends FlockError {
  constructor(message: string) {
    super('E_CHAIN_REQUEST', message)
  }
}

/** The local chain's state file is unreadable or malformed (E_CHAIN_STATE). */
export class ChainStateError extends FlockError {
  readonly path: string
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('E_CHAIN_STATE', `${path}: ${message}`, options)
    this.path = path
  }
}

/** A wallet cannot be loaded: bad name, missing or malformed key file, address mismatch (E_WALLET). */
export class WalletError extends FlockError {
  constructor(message: string) {
    super('E_WALLET', message)
  }
}

/** Timelocked data that cannot be opened or decoded: malformed bytes, wrong signature, bad payload (E_TIMELOCK). */
export class TimelockError extends FlockError {
  constructor(message: string) {
    super('E_TIMELOCK', message)
  }
}
