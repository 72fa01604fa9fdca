/**
 * The live subnet's commitment: `namespace:competition_id:commit`, the Hugging Face dataset
 * repo, the competition it is for and the dataset revision, split on ":" with the first three
 * fields taken ("None" as the revision means main). It carries no proof: a copied string is
 * caught by the duplicate rule, not here. Parsing never throws: chain data is untrusted.
 */
import { ChainRequestError, repoIdProblem, type CommitmentParse } from '../../chain/index.js'
import { NONE_REVISION } from './constants.js'

const COMPETITION_ID = /^\d{8}$/
const FULL_SHA = /^[0-9a-f]{40}$/
const quote = (s: string): string => JSON.stringify(s.length > 80 ? `${s.slice(0, 80)}…` : s)

/** What `flock-miner submit --config flock-off-s1` commits: the full sha of the upload, for competition `competitionId` (YYYYMMDD). */
export function formatS1Commitment(repo: string, competitionId: string, sha: string): string {
  const problem = repoIdProblem(repo)
  if (problem) throw new ChainRequestError(problem)
  if (!COMPETITION_ID.test(competitionId)) throw new ChainRequestError(`competition id ${quote(competitionId)} is not a UTC date YYYYMMDD`)
  if (!FULL_SHA.test(sha)) throw new ChainRequestError(`revision ${quote(sha)} is not a full 40-hex commit sha`)
  return `${repo}:${competitionId}:${sha}`
}

/**
 * Reads a commitment as the live validator does. It keeps whatever the namespace and
 * revision say (the revision is checked against the hub later, as there); what would make
 * the live parser fail (fewer than three fields) or the download refuse (a repo id that is
 * not owner/name, an empty revision) is reported here.
 */
export function parseS1Commitment(text: string | null): CommitmentParse {
  if (text === null) return { ok: false, reason: 'commitment is not raw UTF-8 data' }
  if (text.startsWith('{')) return { ok: false, reason: 'commitment is JSON, not namespace:competition_id:commit' }
  const fields = text.split(':')
  if (fields.length < 3) return { ok: false, reason: `commitment ${quote(text)} does not have the form namespace:competition_id:commit` }
  const [repo, competitionId, commit] = fields as [string, string, string]
  const problem = repoIdProblem(repo)
  if (problem) return { ok: false, reason: problem }
  if (commit === '') return { ok: false, reason: `commitment ${quote(text)} has an empty revision` }
  return { ok: true, commitment: { repo, revision: commit === NONE_REVISION ? 'main' : commit, proof: null, competitionId } }
}
