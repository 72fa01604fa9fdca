/** How commitment text is laid out in the commitments pallet: up to three Raw fields of at most 128 bytes. */
import { compactFromU8a, compactToU8a, u8aConcat } from '@polkadot/util'

import { ChainRequestError } from './errors.js'
import { TIMELOCK_OVERHEAD_BYTES } from './timelock.js'

export const MAX_FIELDS = 3
export const MAX_RAW_FIELD_BYTES = 128
export const MIN_SPACE_CHARGE = 100

export function textToFields(text: string): Uint8Array[] {
  const bytes = Buffer.from(text, 'utf8')
  if (bytes.length === 0) throw new ChainRequestError('commitment is empty')
  if (bytes.length > MAX_FIELDS * MAX_RAW_FIELD_BYTES) {
    throw new ChainRequestError(`commitment is ${bytes.length} bytes; at most ${MAX_FIELDS * MAX_RAW_FIELD_BYTES} fit in ${MAX_FIELDS} fields`)
  }
  const fields: Uint8Array[] = []
  for (let at = 0; at < bytes.length; at += MAX_RAW_FIELD_BYTES) fields.push(new Uint8Array(bytes.subarray(at, at + MAX_RAW_FIELD_BYTES)))
  return fields
}

/** Joins raw fields back into text; null when a field is not raw (null) or the bytes are not UTF-8. */
export function fieldsToText(fields: ReadonlyArray<Uint8Array | null>): string | null {
  if (fields.length === 0 || fields.some((f) => f === null)) return null
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(Buffer.concat(fields as Uint8Array[]))
  } catch {
    return null
  }
}


/** Commitment space one commitment of `text` is charged: its raw bytes, or a timelocked one's ciphertext; at least 100. */
export function commitmentSpaceCharge(text: string, options: { timelocked?: boolean } = {}): number {
  const bytes = options.timelocked ? timelockPlaintext(text).length + TIMELOCK_OVERHEAD_BYTES : Buffer.byteLength(text, 'utf8')
  return Math.max(MIN_SPACE_CHARGE, bytes)
}

/** What a timelocked commitment encrypts: the SCALE encoding of the text (as the SDK's get_encrypted_commitment does). */
export function timelockPlaintext(text: string): Uint8Array {
  const bytes = Buffer.from(text, 'utf8')
  if (bytes.length === 0) throw new ChainRequestError('commitment is empty')
  return u8aConcat(compactToU8a(bytes.length), bytes)
}

/** The text of a revealed commitment (RevealedCommitments holds the SCALE string); null when it is not one. */
export function revealedText(bytes: Uint8Array): string | null {
  if (bytes.length === 0) return null
  let offset: number
  let length: bigint
  try {
    const [o, l] = compactFromU8a(bytes)
    offset = o
    length = BigInt(l.toString())
  } catch {
    return null
  }
  if (BigInt(bytes.length - offset) !== length) return null
  return fieldsToText([bytes.subarray(offset)])
}
