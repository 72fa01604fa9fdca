// The real subtensor codec for the mock node: metadata V16 (spec 346) from ../shared/subtensor,
// storage keys and values encoded through @polkadot/types exactly as a node would.
//
// Two runtime generations. `legacy` serves that file as it is. `stateful` serves metadata derived
// from it at load time, the way subtensor's main changed it: the spec-346 metadata is decoded with
// @polkadot/types, SubtensorModule gets the stateful epoch scheduler's storage (LastEpochBlock,
// PendingEpochAt, SubnetEpochIndex: Identity-hashed NetUid -> u64, default 0, as in
// pallets/subtensor/src/lib.rs) and the result is encoded again. WeightCommits keeps its type
// there; only its meaning changes (see runtime.ts), which is why clients must look at the scheduler.
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

export type Generation = 'legacy' | 'stateful'

export const SPEC_VERSIONS: Record<Generation, number> = { legacy: 346, stateful: 425 }

const STATEFUL_ITEMS: Array<[string, string]> = [
  ['LastEpochBlock', 'Block at which the last epoch ran for this subnet.'],
  ['PendingEpochAt', 'Block at which a manually triggered epoch should fire; 0 when none is pending.'],
  ['SubnetEpochIndex', 'Monotonic epoch counter, incremented each time the subnet\'s epoch runs.'],
]

/** The spec-346 metadata with the stateful scheduler's storage added to SubtensorModule. */
export function statefulMetadata(bytes: Uint8Array): Uint8Array {
  const registry = new TypeRegistry()
  const json = new Metadata(registry, bytes).toJSON() as { magicNumber: number; metadata: { v16: { pallets: Array<{ name: string; storage: { items: Array<Record<string, unknown>> } | null }> } } }
  const pallet = json.metadata.v16.pallets.find((p) => p.name === 'SubtensorModule')!
  const items = pallet.storage!.items
  // BlocksSinceLastStep is a NetUid -> u64 map with the Identity hasher and default 0: the same shape
  const template = items.find((i) => i.name === 'BlocksSinceLastStep')!
  for (const [name, doc] of STATEFUL_ITEMS) items.push({ ...structuredClone(template), name, docs: [doc] })
  return new Metadata(new TypeRegistry(), json as never).toU8a()
}

export type Decorated = ReturnType<typeof expandMetadata>
type StorageFn = Decorated['query'][string][string]

export class Codecs {
  readonly registry = new TypeRegistry()
  readonly metadata: Metadata
  readonly metadataHex: string
  readonly decorated: Decorated

  constructor(readonly generation: Generation = 'legacy') {
    const file = readFileSync(metadataPath)
    const bytes = generation === 'stateful' ? statefulMetadata(file) : file
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
