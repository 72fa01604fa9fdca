/**
 * Publishing a dataset: validate it, upload it to the miner's Hugging Face dataset repo,
 * then commit `repo:sha:proof` on chain with the hotkey (the proof: lib/chain/commitment.ts).
 * Nothing is uploaded or committed when the hotkey's commitment already proves this content
 * (even reordered or reformatted): committing again would only move the commitment to a
 * later block, and the earlier commitment wins ties.
 */
import { type BaseLogger, pino } from 'pino'

import { type Chain, type CommitmentSpace, commitmentOfContent, commitmentSpaceCharge, formatCommitment } from '../chain/index.js'
import type { CompetitionConfig } from '../config/index.js'
import { DatasetError } from '../dataset/index.js'
import { datasetRepo, type Hub, publishDataset } from '../hub/index.js'
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

  const current = await chain.commitmentOf(netuid)
  if (current && commitmentOfContent(current.text, contentHash, hotkey)) {
    log.info({ hotkey, block: current.block, commitment: current.text }, 'this dataset is already committed by this hotkey; nothing to do')
    return { status: 'unchanged', ...common, uid, commitment: current.text!, block: current.block, space: await chain.commitmentSpace(netuid) }
  }

  // The commitment's length does not depend on the sha, so its charge is known before uploading.
  const timelock = options.timelockBlocks !== undefined ? { timelockBlocks: options.timelockBlocks } : {}
  const charge = commitmentSpaceCharge(formatCommitment(options.repoId, '0'.repeat(40), contentHash, hotkey), { timelocked: options.timelockBlocks !== undefined })
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
  const commitment = formatCommitment(options.repoId, published.sha, contentHash, hotkey)
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
