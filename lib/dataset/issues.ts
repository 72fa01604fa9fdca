/** Dataset problems: each names its line (or row) and field; collected up to a cap. */
import { FlockError } from '../errors.js'

export type DatasetIssueCode =
  | 'E_READ' // the file or stream could not be read
  | 'E_TOO_LARGE' // more bytes than limits.maxBytes
  | 'E_LINE_TOO_LONG'
  | 'E_EMPTY_LINE'
  | 'E_BOM'
  | 'E_NUL'
  | 'E_UTF8' // invalid UTF-8 bytes, or a lone surrogate escape (not encodable as UTF-8)
  | 'E_JSON'
  | 'E_TOO_DEEP'
  | 'E_DUPLICATE_KEY'
  | 'E_NOT_OBJECT'
  | 'E_SCHEMA' // missing/unknown key, wrong type, empty content
  | 'E_ROLE_ORDER'
  | 'E_TOO_MANY_TURNS'
  | 'E_TOO_MANY_CHARS'
  | 'E_TOO_MANY_ROWS'
  | 'E_TOO_FEW_ROWS'

export interface DatasetIssue {
  /** 1-based line of the JSONL text (or row of an array source); 0 for the dataset as a whole */
  line: number
  /** the field at fault, e.g. `conversations[3].role`; null for the whole line */
  field: string | null
  code: DatasetIssueCode
  /** the full text, e.g. `line 12: conversations[3].role: expected "assistant", got "user"` */
  message: string
}

/** A dataset failed validation; `issues` lists every problem found, up to the cap. */
export class DatasetError extends FlockError {
  readonly issues: DatasetIssue[]
  readonly issuesTruncated: boolean
  constructor(issues: DatasetIssue[], issuesTruncated: boolean) {
    const shown = issues.slice(0, 20).map((i) => `  ${i.message}`)
    const more = issues.length > 20 || issuesTruncated ? `\n  ... ${issuesTruncated ? 'and more (stopped at the cap)' : `${issues.length - 20} more`}` : ''
    super('E_DATASET_INVALID', `invalid dataset: ${issues.length}${issuesTruncated ? '+' : ''} problem(s)\n${shown.join('\n')}${more}`)
    this.issues = issues
    this.issuesTruncated = issuesTruncated
  }
}

export class IssueList {
  readonly items: DatasetIssue[] = []
  truncated = false
  readonly #cap: number
  readonly #unit: 'line' | 'row'

  constructor(cap: number, unit: 'line' | 'row') {
    this.#cap = cap
    this.#unit = unit
  }

  get full(): boolean {
    return this.items.length >= this.#cap
  }

  add(line: number, field: string | null, code: DatasetIssueCode, detail: string): void {
    if (this.full) {
      this.truncated = true
      return
    }
    const where = line > 0 ? `${this.#unit} ${line}` : 'dataset'
    this.items.push({ line, field, code, message: `${where}: ${field ? `${field}: ` : ''}${detail}` })
  }
}
