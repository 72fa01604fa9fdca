/** Signing an extrinsic with the hotkey and waiting until it is in a block. */
import type { ApiPromise, SubmittableResult } from '@polkadot/api'
import type { SubmittableExtrinsic } from '@polkadot/api/types'
import type { KeyringPair } from '@polkadot/keyring/types'

import { ChainConnectionError, ChainTimeoutError, ChainTransactionError } from '../errors.js'
import type { TxReceipt } from '../types.js'
import { classifyError, decodeDispatchError } from './errors.js'

/**
 * Resolves with the block that included the extrinsic, rejects with ChainDispatchError
 * when it was included but failed. The nonce comes from the node (pending pool included).
 */
export function submitAndWait(
  api: ApiPromise,
  tx: SubmittableExtrinsic<'promise'>,
  signer: KeyringPair,
  call: string,
  timeoutMs: number,
): Promise<TxReceipt> {
  return new Promise<TxReceipt>((resolve, reject) => {
    let done = false
    let unsubscribe: (() => void) | undefined
    const finish = (settle: () => void) => {
      if (done) return
      done = true
      clearTimeout(timer)
      api.off('disconnected', onDisconnect)
      unsubscribe?.()
      settle()
    }
    const timer = setTimeout(() => finish(() => reject(new ChainTimeoutError(`${call} (waiting for inclusion)`, timeoutMs))), timeoutMs)
    const onDisconnect = () =>
      finish(() => reject(new ChainConnectionError(`${call}: connection lost while waiting for inclusion; the transaction may still be included`)))
    api.on('disconnected', onDisconnect)
    const onStatus = (result: SubmittableResult) => {
      const { status } = result
      if (status.isInBlock || status.isFinalized) {
        const blockHash = (status.isInBlock ? status.asInBlock : status.asFinalized).toHex()
        if (result.internalError) {
          finish(() => reject(new ChainTransactionError(`${call}: included in ${blockHash} but its events could not be read: ${result.internalError!.message}`)))
        } else if (result.dispatchError) {
          finish(() => reject(decodeDispatchError(api, result.dispatchError!, call)))
        } else if (result.blockNumber !== undefined) {
          finish(() => resolve({ blockHash, blockNumber: result.blockNumber!.toNumber() }))
        } else {
          finish(() => reject(new ChainTransactionError(`${call}: included in ${blockHash} but the block number is unknown`)))
        }
      } else if (status.isInvalid || status.isDropped || status.isUsurped || status.isFinalityTimeout) {
        finish(() => reject(new ChainTransactionError(`${call}: transaction ${status.type.toLowerCase()}`)))
      }
    }
    tx.signAndSend(signer, { nonce: -1 }, onStatus).then(
      (unsub) => {
        if (done) unsub()
        else unsubscribe = unsub
      },
      (err: unknown) => finish(() => reject(classifyError(err, api.isConnected, call, 'transaction'))),
    )
  })
}
