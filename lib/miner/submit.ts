/**
 * Publishing a dataset: validate it, upload it to the miner's Hugging Face dataset repo,
 * then commit it on chain with the hotkey, in the competition's commitment form (the
 * default `repo:sha:proof`, lib/chain/commitment.ts; flock-off-s1's
 * `namespace:competition_id:commit`, lib/competition). Nothing is uploaded or committed when
 * the hotkey's commitment already commits this content (even reordered or reformatted):
 * committing again would only move the commitment to a later block, and the earlier
 * commitment wins ties.
 */
import { type BaseLogger, pino } from 'pino'

import { type Chain, type CommitmentSpace, commitmentSpaceCharge } from '../chain/index.js'
import { defaultRules, type CommitmentRules } from '../competition/index.js'
import type { CompetitionConfig } from '../config/index.js'
import { DatasetError } from '../dataset/index.js'
import { datasetRepo, type Hub, HubCache, publishDataset } from '../hub/index.js'
import { committedContentHash } from './committed-content.js'
import { type CheckedDataset, readAndCheckDataset } from './dataset-file.js'
import { MinerError } from './errors.js'

/** The file name validators read from a miner's dataset repo. */
export const DATASET_FILE_IN_REPO = 'data.jsonl'

export interface SubmitOptions {
  datasetPath: string
  /** the file already read and checked (readAndCheckDataset), to skip reading it again */
  checked?: CheckedDataset
  /** the Hugging Face dataset repo, `owner/name` */
  repoId: string
  hub: Hub
  /** a client signing with the miner's hotkey */
  chain: Chain
  netuid: number
  config: Pick<CompetitionConfig, 'dataset'>
  /** how the competition writes and reads commitments; default: the default rules' */
  commitment?: CommitmentRules
  /** reads committed datasets back when the commitment carries no proof of its content; default: the Hugging Face cache */
  cache?: HubCache
  /** the time of the submission (default: now): flock-off-s1 names the competition it is for */
  at?: Date
  /** visibility if the repo has to be created (validators must be able to read it) */
  private?: boolean
  /** commit timelocked: hidden until the drand round about this many blocks from now (validators see it once revealed) */
  timelockBlocks?: number
  logger?: BaseLogger
  signal?: AbortSignal
}

interface SubmitCommon {
  hotkey: string
  uid: number
  contentHash: string
  rows: number
  bytes: number
  /** the commitment string on chain */
  commitment: string
  /** block of the commitment on chain */
  block: number
  space: CommitmentSpace
}

export type SubmitResult =
  | (SubmitCommon & { status: 'unchanged' })
  | (SubmitCommon & {
      status: 'committed'
      repo: string
      /** the Hugging Face commit holding the file */
      sha: string
      path: string
      createdRepo: boolean
      /** sha256 of the uploaded file's bytes */
      fileSha256: string
      blockHash: string
      /** space this commitment was charged: max(100, its bytes) */
      charged: number
      /** the hotkey's commitment before this one, if any */
      replaced: string | null
      /** when committed timelocked: the drand round that reveals it */
      revealRound?: number
    })

export async function submitDataset(options: SubmitOptions): Promise<SubmitResult> {
  const { chain, netuid } = options
  const log = options.logger ?? pino({ level: 'silent' })
  const signal = options.signal ? { signal: options.signal } : {}
  const hotkey = chain.hotkey
  if (!hotkey) throw new MinerError('E_NO_SIGNER', 'submitting needs a chain client that signs with the miner\'s hotkey')

  const { report, bytes } = options.checked ?? (await readAndCheckDataset({ path: options.datasetPath, config: options.config, ...signal }))
  if (!report.ok || report.contentHash === null || bytes === null) throw new DatasetError(report.issues, report.issuesTruncated)
  const contentHash = report.contentHash
  const common = { hotkey, contentHash, rows: report.rows, bytes: report.bytes }

  const uid = (await chain.metagraph(netuid)).neurons.find((n) => n.hotkey === hotkey)?.uid
  if (uid === undefined)
    throw new MinerError('E_NOT_REGISTERED', `hotkey ${hotkey} is not registered on subnet ${netuid}; register it first (btcli subnets register --netuid ${netuid})`)

  const codec = options.commitment ?? defaultRules.commitment
  const at = options.at ?? new Date()
  const cache = options.cache ?? new HubCache({ hub: options.hub, logger: log })
  const current = await chain.commitmentOf(netuid)
  const contentHashOf = (c: Parameters<typeof committedContentHash>[1]) => committedContentHash(cache, c, options.config, options.signal)
  if (current && (await codec.committedContent(current.text, contentHash, hotkey, contentHashOf))) {
    log.info({ hotkey, block: current.block, commitment: current.text }, 'this dataset is already committed by this hotkey; nothing to do')
    return { status: 'unchanged', ...common, uid, commitment: current.text!, block: current.block, space: await chain.commitmentSpace(netuid) }
  }

  // The commitment's length does not depend on the sha, so its charge is known before uploading.
  const timelock = options.timelockBlocks !== undefined ? { timelockBlocks: options.timelockBlocks } : {}
  const charge = commitmentSpaceCharge(codec.format({ repo: options.repoId, sha: '0'.repeat(40), contentHash, hotkey, at }), { timelocked: options.timelockBlocks !== undefined })
  const before = await chain.commitmentSpace(netuid)
  if (before.used + charge > before.max) {
    const { blocksUntilNextEpoch } = await chain.epoch(netuid)
    throw new MinerError('E_SPACE_EXHAUSTED',
      `hotkey ${hotkey} has used ${before.used} of its ${before.max} bytes of commitment space this epoch and this commitment needs ${charge}: try again in ${blocksUntilNextEpoch} blocks`)
  }

  const published = await publishDataset(options.hub, {
    repo: datasetRepo(options.repoId),
    content: bytes,
    pathInRepo: DATASET_FILE_IN_REPO,
    message: `Dataset ${contentHash.slice(0, 12)} (${report.rows} rows)`,
    ...(options.private !== undefined ? { private: options.private } : {}),
    logger: log,
    ...signal,
  })
  const commitment = codec.format({ repo: options.repoId, sha: published.sha, contentHash, hotkey, at })
  log.info({ repo: options.repoId, sha: published.sha, netuid }, 'dataset uploaded; committing on chain')
  const receipt = await chain.publishCommitment(netuid, commitment, timelock).catch((err: unknown) => {
    throw new MinerError('E_COMMIT_FAILED',
      `the dataset is uploaded (${options.repoId} at ${published.sha}) but committing it on chain failed: ${(err as Error).message}`, { cause: err })
  })
  const onChain = await chain.commitmentOf(netuid)
  // a timelocked commitment reads back as pending (no text, its round) until it is revealed
  const held = options.timelockBlocks !== undefined ? onChain?.revealRound !== undefined && onChain.block === receipt.blockNumber : onChain?.text === commitment
  if (!onChain || !held)
    throw new MinerError('E_COMMITMENT_MISMATCH', `committed ${commitment} in block ${receipt.blockNumber} but the chain now holds ${JSON.stringify(onChain?.text ?? null)}`)
  return {
    status: 'committed', ...common, uid, commitment, block: onChain.block, blockHash: receipt.blockHash,
    repo: options.repoId, sha: published.sha, path: published.path, createdRepo: published.created, fileSha256: published.sha256,
    charged: charge, replaced: current?.text ?? null, space: await chain.commitmentSpace(netuid),
    ...(onChain.revealRound !== undefined ? { revealRound: onChain.revealRound } : {}),
  }
}
