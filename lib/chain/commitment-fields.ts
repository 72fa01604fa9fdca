/** How commitment text is laid out in the commitments pallet: up to three Raw fields of at most 128 bytes. */
import { ChainRequestError } from './errors.js'

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

/** Commitment space one commitment of `text` is charged: its raw bytes, at least 100. */
export function commitmentSpaceCharge(text: string): number {
  return Math.max(MIN_SPACE_CHARGE, Buffer.byteLength(text, 'utf8'))
}
