// The real subtensor codec for the mock node: metadata V16 (spec 346) from ../shared/subtensor,
// storage keys and values encoded through @polkadot/types exactly as a node would.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'

import { expandMetadata, Metadata, TypeRegistry } from '@polkadot/types'
import type { Codec } from '@polkadot/types/types'
import { compactStripLength, hexToU8a, u8aToHex } from '@polkadot/util'

import { repoRoot } from '../paths.js'

export const metadataPath = join(repoRoot, '..', 'shared', 'subtensor', 'metadata-v16-spec346.scale')

// Declared here from the metadata itself (types 382 and 383 are empty composites, implicit `()`),
// not imported from lib/, so a wrong declaration in the client would not be mirrored by the node.
const NODE_EXTENSIONS = {
  SubtensorTransactionExtension: { extrinsic: {}, payload: {} },
  DrandPriority: { extrinsic: {}, payload: {} },
}

export type Decorated = ReturnType<typeof expandMetadata>
type StorageFn = Decorated['query'][string][string]

export class Codecs {
  readonly registry = new TypeRegistry()
  readonly metadata: Metadata
  readonly metadataHex: string
  readonly decorated: Decorated

  constructor() {
    const bytes = readFileSync(metadataPath)
    this.metadataHex = u8aToHex(bytes)
    this.metadata = new Metadata(this.registry, bytes)
    this.registry.setMetadata(this.metadata, undefined, NODE_EXTENSIONS)
    this.decorated = expandMetadata(this.registry, this.metadata)
  }

  storage(pallet: string, item: string): StorageFn {
    const fn = this.decorated.query[pallet]?.[item]
    if (!fn) throw new Error(`no storage ${pallet}.${item} in the metadata`)
    return fn
  }

  key(pallet: string, item: string, ...args: unknown[]): string {
    // Storage functions return the key with a SCALE length prefix, as the api sends it to RPC decoding.
    return u8aToHex(compactStripLength(this.storage(pallet, item)(...args))[1])
  }

  prefix(pallet: string, item: string, ...args: unknown[]): string {
    return u8aToHex(this.storage(pallet, item).keyPrefix(...args))
  }

  valueType(pallet: string, item: string): string {
    const type = this.storage(pallet, item).meta.type
    return this.registry.createLookupType(type.isPlain ? type.asPlain : type.asMap.value)
  }

  encode(pallet: string, item: string, value: unknown): string {
    // Not Codec.toHex(): numbers render big-endian there, storage holds SCALE (little-endian).
    return u8aToHex(this.registry.createType(this.valueType(pallet, item), value).toU8a())
  }

  /** The stored value, the storage default when absent, or null for an absent Optional entry. */
  decode<T extends Codec = Codec>(pallet: string, item: string, hex: string | undefined): T | null {
    const fn = this.storage(pallet, item)
    if (hex === undefined) {
      if (fn.meta.modifier.isOptional) return null
      return this.registry.createType(this.valueType(pallet, item), hexToU8a(fn.meta.fallback.toHex())) as unknown as T
    }
    return this.registry.createType(this.valueType(pallet, item), hexToU8a(hex)) as unknown as T
  }

  palletIndex(pallet: string): number {
    const found = this.metadata.asLatest.pallets.find((p) => p.name.toString() === pallet)
    if (!found) throw new Error(`no pallet ${pallet}`)
    return found.index.toNumber()
  }

  errorIndex(section: string, name: string): number {
    const err = this.decorated.errors[section]?.[name]
    if (!err) throw new Error(`no error ${section}.${name}`)
    return err.meta.index.toNumber()
  }
}
