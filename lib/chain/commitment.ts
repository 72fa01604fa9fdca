/**
 * The commitment string miners publish, and the one definition of its proof that
 * `flock-miner submit`, `flock-miner preview`, the validator and the demo all use:
 *
 *   commitment = <hf repo id>:<40-hex commit sha>:<proof>
 *   proof      = hex(sha256(content hash as 32 bytes ‖ hotkey SS58 as UTF-8))[0:32]
 *
 * where the content hash is the dataset's canonical hash (lib/dataset/hash.ts: row order
 * and JSON formatting do not count). So a string copied from another hotkey fails
 * verification, and re-committing reformatted rows is recognised as the same content.
 * Parsing and verifying return values, never throw: chain data is untrusted input.
 */
import { createHash } from 'node:crypto'

import { isAddress } from '@polkadot/util-crypto'

import { ChainRequestError } from './errors.js'

export interface DatasetCommitment {
  repo: string
  /** Full 40-hex git commit sha of the dataset revision. */
  revision: string
  proof: string
}

export type CommitmentParse = { ok: true; commitment: DatasetCommitment } | { ok: false; reason: string }
export type ProofCheck = { ok: true } | { ok: false; reason: string }

/** Three raw fields of at most 128 bytes each. */
export const MAX_COMMITMENT_BYTES = 384

const SHA1_HEX = /^[0-9a-f]{40}$/
const SHA256_HEX = /^[0-9a-f]{64}$/
const PROOF_HEX = /^[0-9a-f]{32}$/
const REPO_PART = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,94}[A-Za-z0-9])?$/

const quote = (s: string): string => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s)

/** Why `repo` is not a Hugging Face repo id of the form owner/name, or null when it is. */
export function repoIdProblem(repo: string): string | null {
  const parts = repo.split('/')
  if (parts.length !== 2) return `repo id ${quote(repo)} is not of the form owner/name`
  for (const part of parts) {
    if (!REPO_PART.test(part) || part.includes('--') || part.includes('..')) {
      return `repo id ${quote(repo)} has an invalid part ${quote(part)}`
    }
  }
  return null
}

/** The proof binding a dataset's canonical content hash to a hotkey; throws on malformed input (our own, not chain data). */
export function commitmentProof(contentHash: string, hotkey: string): string {
  if (!SHA256_HEX.test(contentHash)) throw new ChainRequestError(`content hash ${quote(contentHash)} is not 64 lowercase hex characters`)
  if (!isAddress(hotkey)) throw new ChainRequestError(`hotkey ${quote(hotkey)} is not an SS58 address`)
  return createHash('sha256')
    .update(Buffer.from(contentHash, 'hex'))
    .update(Buffer.from(hotkey, 'utf8'))
    .digest('hex')
    .slice(0, 32)
}

/** Builds the string a miner commits; throws on invalid input (our own, not chain data). */
export function formatCommitment(repo: string, revision: string, contentHash: string, hotkey: string): string {
  const problem = repoIdProblem(repo)
  if (problem) throw new ChainRequestError(problem)
  if (!SHA1_HEX.test(revision)) throw new ChainRequestError(`revision ${quote(revision)} is not a full 40-hex commit sha`)
  return `${repo}:${revision}:${commitmentProof(contentHash, hotkey)}`
}

export function parseCommitment(text: string | null): CommitmentParse {
  if (text === null) return { ok: false, reason: 'commitment is not raw UTF-8 data' }
  if (Buffer.byteLength(text, 'utf8') > MAX_COMMITMENT_BYTES) return { ok: false, reason: `commitment is longer than ${MAX_COMMITMENT_BYTES} bytes` }
  const parts = text.split(':')
  if (parts.length !== 3) return { ok: false, reason: `commitment ${quote(text)} does not have the form repo:sha:proof` }
  const [repo, revision, proof] = parts as [string, string, string]
  const problem = repoIdProblem(repo)
  if (problem) return { ok: false, reason: problem }
  if (!SHA1_HEX.test(revision)) return { ok: false, reason: `revision ${quote(revision)} is not a full 40-hex commit sha` }
  if (!PROOF_HEX.test(proof)) return { ok: false, reason: `proof ${quote(proof)} is not 32 lowercase hex characters` }
  return { ok: true, commitment: { repo, revision, proof } }
}

/** Checks that the proof binds the dataset's content hash to the committing hotkey. */
export function verifyCommitmentProof(commitment: DatasetCommitment, contentHash: string, hotkey: string): ProofCheck {
  if (!SHA256_HEX.test(contentHash)) return { ok: false, reason: `content hash ${quote(contentHash)} is not 64 lowercase hex characters` }
  if (!isAddress(hotkey)) return { ok: false, reason: `hotkey ${quote(hotkey)} is not an SS58 address` }
  const expected = commitmentProof(contentHash, hotkey)
  return expected === commitment.proof
    ? { ok: true }
    : { ok: false, reason: `proof ${commitment.proof} does not bind this content to hotkey ${hotkey}` }
}

/**
 * The commitment in `text` when it proves this content for this hotkey, else null: how a
 * miner's tools recognise the hotkey's own commitment of a dataset (submit does nothing,
 * preview uses its block's seed).
 */
export function commitmentOfContent(text: string | null, contentHash: string, hotkey: string): DatasetCommitment | null {
  const parsed = parseCommitment(text)
  return parsed.ok && verifyCommitmentProof(parsed.commitment, contentHash, hotkey).ok ? parsed.commitment : null
}
