/**
 * Timelock encryption to a drand round in the format subtensor decrypts: the `tle` crate's
 * Boneh–Franklin FullIdent header over BLS12-381 (signatures on G1, beacon key on G2) with an
 * AES-256-GCM body, serialized as arkworks does (compressed points, u64 little-endian Vec
 * lengths). Written here on @noble/curves because no npm package produces this format
 * (tlock-js writes drand's age format, which the chain cannot read).
 *
 *   U = r·G2,  V = σ ⊕ sha256(ser(e(Q_id, r·P_pub))),  W = key ⊕ sha256(σ),  r = sha256(σ‖key) mod q
 *
 * where Q_id is the hash to G1 of sha256(round, 8 bytes big-endian), the message the
 * beacon signs in that round, so the round's signature σ_round = s·Q_id opens it.
 */
import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto'

import { bls12_381 as bls } from '@noble/curves/bls12-381.js'

import { QUICKNET } from './drand.js'
import { TimelockError } from './errors.js'

const G1 = bls.G1.Point
const G2 = bls.G2.Point
type G1Point = InstanceType<typeof G1>
type G2Point = InstanceType<typeof G2>

const CIPHER_SUITE = Buffer.from('AES_GCM_')
const NONCE_BYTES = 12
const TAG_BYTES = 16
const G2_BYTES = 96
/** Bytes encryptTimelocked adds to a plaintext: U on G2, V and W with their u64 lengths, the body's length, the AES tag, nonce and cipher suite with theirs. */
export const TIMELOCK_OVERHEAD_BYTES = G2_BYTES + 2 * (8 + 32) + 8 + (8 + TAG_BYTES) + (8 + NONCE_BYTES) + (8 + CIPHER_SUITE.length)
const FP_BYTES = 48

const sha256 = (...parts: Uint8Array[]): Buffer => {
  const h = createHash('sha256')
  for (const p of parts) h.update(p)
  return h.digest()
}

const xor = (a: Uint8Array, b: Uint8Array): Buffer => Buffer.from(a.map((x, i) => x ^ b[i]!))

/** The point the beacon signs in `round`: hash to G1 of sha256(round as u64 big-endian). */
export function roundIdentity(round: bigint): G1Point {
  const be = Buffer.alloc(8)
  be.writeBigUInt64BE(round)
  return bls.shortSignatures.hash(sha256(be), QUICKNET.dst)
}

/** arkworks' serialization of an Fp12 value: the 12 base-field coefficients c0 first, each 48 bytes little-endian. */
function serializeGt(f: ReturnType<typeof bls.pairing>): Buffer {
  const coefficients: bigint[] = []
  for (const half of [f.c0, f.c1]) for (const fp2 of [half.c0, half.c1, half.c2]) coefficients.push(fp2.c0, fp2.c1)
  return Buffer.concat(coefficients.map((c) => {
    const out = Buffer.alloc(FP_BYTES)
    let v = c
    for (let i = 0; i < FP_BYTES; i++) {
      out[i] = Number(v & 0xffn)
      v >>= 8n
    }
    return out
  }))
}

/** sha256 of the serialized pairing value: the mask over σ. */
const maskOf = (q: G1Point, p: G2Point): Buffer => sha256(serializeGt(bls.pairing(q, p)))

const scalarOf = (sigma: Uint8Array, key: Uint8Array): bigint => {
  const r = bls.fields.Fr.create(BigInt(`0x${sha256(sigma, key).toString('hex')}`))
  return r === 0n ? 1n : r
}

function vec(bytes: Uint8Array): Buffer {
  const len = Buffer.alloc(8)
  len.writeBigUInt64LE(BigInt(bytes.length))
  return Buffer.concat([len, bytes])
}

class Reader {
  #at = 0
  constructor(readonly bytes: Uint8Array) {}
  take(n: number, what: string): Uint8Array {
    if (this.#at + n > this.bytes.length) throw new TimelockError(`ciphertext ends inside ${what} (${this.bytes.length} bytes)`)
    const out = this.bytes.subarray(this.#at, this.#at + n)
    this.#at += n
    return out
  }
  vec(what: string, max: number): Uint8Array {
    const len = Buffer.from(this.take(8, `the length of ${what}`)).readBigUInt64LE()
    if (len > BigInt(max)) throw new TimelockError(`${what} claims ${len} bytes, more than the ${max} it can hold`)
    return this.take(Number(len), what)
  }
  end(): void {
    if (this.#at !== this.bytes.length) throw new TimelockError(`${this.bytes.length - this.#at} bytes follow the ciphertext`)
  }
}

interface Parsed {
  u: G2Point
  v: Uint8Array
  w: Uint8Array
  ciphertext: Uint8Array
  nonce: Uint8Array
}

function parse(commit: Uint8Array): Parsed {
  const r = new Reader(commit)
  let u: G2Point
  try {
    u = G2.fromBytes(r.take(G2_BYTES, 'the header point U'))
  } catch (err) {
    if (err instanceof TimelockError) throw err
    throw new TimelockError('the header point U is not a point of G2')
  }
  const v = r.vec('V', 32)
  const w = r.vec('W', 32)
  if (v.length !== 32 || w.length !== 32) throw new TimelockError('V and W must be 32 bytes each')
  const body = new Reader(r.vec('the body', commit.length))
  const suite = r.vec('the cipher suite', 64)
  r.end()
  if (!CIPHER_SUITE.equals(suite)) throw new TimelockError(`cipher suite ${JSON.stringify(Buffer.from(suite).toString('latin1'))} is not AES_GCM_`)
  const ciphertext = body.vec('the AES ciphertext', commit.length)
  const nonce = body.vec('the AES nonce', 64)
  body.end()
  if (nonce.length !== NONCE_BYTES) throw new TimelockError(`the AES nonce is ${nonce.length} bytes, not ${NONCE_BYTES}`)
  if (ciphertext.length < TAG_BYTES) throw new TimelockError('the AES ciphertext is shorter than its tag')
  return { u, v, w, ciphertext, nonce }
}

export interface TimelockOptions {
  /** The beacon's public key (G2, 96 bytes compressed). Default: drand quicknet's. */
  publicKey?: Uint8Array
  /** Randomness, for reproducible tests only; default crypto.randomBytes. */
  random?: (n: number) => Uint8Array
}

/** Encrypts `plaintext` so that the beacon's signature of `round` opens it. */
export function encryptTimelocked(plaintext: Uint8Array, round: bigint, options: TimelockOptions = {}): Uint8Array {
  if (round < 0n || round > 0xffff_ffff_ffff_ffffn) throw new TimelockError(`round ${round} is not a u64`)
  const random = options.random ?? randomBytes
  const pub = G2.fromBytes(options.publicKey ?? QUICKNET.publicKey)
  const key = random(32)
  const sigma = random(32)
  const r = scalarOf(sigma, key)
  const u = G2.BASE.multiply(r)
  const v = xor(sigma, maskOf(roundIdentity(round), pub.multiply(r)))
  const w = xor(key, sha256(sigma))
  const nonce = random(NONCE_BYTES)
  const cipher = createCipheriv('aes-256-gcm', key, nonce)
  const body = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()])
  return Buffer.concat([u.toBytes(true), vec(v), vec(w), vec(Buffer.concat([vec(body), vec(nonce)])), vec(CIPHER_SUITE)])
}

/**
 * Opens a timelocked ciphertext with the beacon's signature of its round (hex, 48 bytes
 * compressed G1). Throws TimelockError when the bytes are not a ciphertext or the
 * signature does not open it; never anything else.
 */
export function decryptTimelocked(commit: Uint8Array, signatureHex: string): Uint8Array {
  const hex = signatureHex.replace(/^0x/, '')
  if (!/^[0-9a-fA-F]{96}$/.test(hex)) throw new TimelockError('the signature is not 48 bytes of hex')
  let signature: G1Point
  try {
    signature = G1.fromHex(hex)
  } catch {
    throw new TimelockError('the signature is not a point of G1')
  }
  const c = parse(commit)
  const sigma = xor(c.v, maskOf(signature, c.u))
  const key = xor(c.w, sha256(sigma))
  if (!G2.BASE.multiply(scalarOf(sigma, key)).equals(c.u)) throw new TimelockError('the signature does not open this ciphertext (wrong round or wrong beacon)')
  const decipher = createDecipheriv('aes-256-gcm', key, c.nonce)
  decipher.setAuthTag(c.ciphertext.subarray(c.ciphertext.length - TAG_BYTES))
  try {
    return Buffer.concat([decipher.update(c.ciphertext.subarray(0, c.ciphertext.length - TAG_BYTES)), decipher.final()])
  } catch {
    throw new TimelockError('the ciphertext body fails its authentication tag')
  }
}

/**
 * A beacon of one's own, for the local chain: its public key, and its signature of a round
 * (what drand publishes for quicknet), which opens what was encrypted to that round.
 */
export class LocalBeacon {
  readonly #secret: bigint
  constructor(secretHex: string) {
    this.#secret = bls.fields.Fr.create(BigInt(`0x${secretHex.replace(/^0x/, '')}`))
    if (this.#secret === 0n) throw new TimelockError('the beacon secret is zero')
  }
  static newSecret(): string {
    return Buffer.from(bls.utils.randomSecretKey()).toString('hex')
  }
  get publicKey(): Uint8Array {
    return G2.BASE.multiply(this.#secret).toBytes(true)
  }
  signatureHex(round: bigint): string {
    return roundIdentity(round).multiply(this.#secret).toHex(true)
  }
}
