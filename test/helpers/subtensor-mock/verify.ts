// Decodes a signed extrinsic and checks its sr25519 signature against the payload a
// node reconstructs (call, era, nonce, tip, mode + spec/tx version, genesis, era block, metadata hash).
import type { Extrinsic } from '@polkadot/types/interfaces'
import { hexToU8a } from '@polkadot/util'
import { blake2AsU8a, decodeAddress, encodeAddress, signatureVerify } from '@polkadot/util-crypto'

import type { Codecs } from './codec.js'

export interface SigningContext {
  genesisHash: string
  specVersion: number
  transactionVersion: number
  /** Hash of block `n`, for the era's birth block. */
  blockHash(n: number): string | undefined
  /** Head block number, to find a mortal era's birth. */
  head: number
}

export interface DecodedExtrinsic {
  ext: Extrinsic
  signer: string
  nonce: number
  pallet: string
  call: string
  args: Record<string, unknown>
  signatureValid: boolean
}

export function decodeExtrinsic(codecs: Codecs, hex: string, ctx: SigningContext): DecodedExtrinsic {
  const ext = codecs.registry.createType('Extrinsic', hexToU8a(hex))
  if (!ext.isSigned) throw new Error('unsigned extrinsic')
  const era = ext.era
  const birthHash = era.isMortalEra ? ctx.blockHash(era.asMortalEra.birth(ctx.head)) : ctx.genesisHash
  const payload = codecs.registry.createType(
    'ExtrinsicPayload',
    {
      method: ext.method.toHex(),
      era: era.toHex(),
      nonce: ext.nonce.toHex(),
      tip: ext.tip.toHex(),
      mode: ext.mode.toNumber(),
      metadataHash: null,
      specVersion: ctx.specVersion,
      transactionVersion: ctx.transactionVersion,
      genesisHash: ctx.genesisHash,
      blockHash: birthHash ?? ctx.genesisHash,
    },
    { version: ext.version & 0x7f },
  )
  let message = payload.toU8a({ method: true })
  if (message.length > 256) message = blake2AsU8a(message, 256)
  // MultiAddress::Id renders as the SS58 of the account (toU8a would include the enum index).
  const signer = encodeAddress(decodeAddress(ext.signer.toString()), 42)
  const verdict = signatureVerify(message, ext.signature.toU8a(), signer)
  const { section, method } = ext.method
  const args: Record<string, unknown> = {}
  ext.method.meta.fields.forEach((f, i) => {
    args[f.name.unwrap().toString()] = ext.method.args[i]!.toJSON()
  })
  return {
    ext,
    signer,
    nonce: ext.nonce.toNumber(),
    pallet: section,
    call: method,
    args,
    signatureValid: verdict.isValid && verdict.crypto === 'sr25519' && birthHash !== undefined,
  }
}
