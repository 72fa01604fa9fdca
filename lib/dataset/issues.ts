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
  | 'E_TOKENIZE' // the model's chat template or tokenizer cannot handle the row

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

/** How a source numbers its entries: lines of JSONL text, rows of an array. */
export type IssueUnit = 'line' | 'row'

export function datasetIssue(unit: IssueUnit, line: number, field: string | null, code: DatasetIssueCode, detail: string): DatasetIssue {
  const where = line > 0 ? `${unit} ${line}` : 'dataset'
  return { line, field, code, message: `${where}: ${field ? `${field}: ` : ''}${detail}` }
}

/**
 * Rows that failed after the dataset was read (the model's tokenizer could not
 * handle them), as issues naming each row's line.
 * @param lines the line (or row number) of each row, as Dataset.lines gives them
 */
export function rowFailureIssues(failures: ReadonlyArray<{ row: number; code: string; reason: string }>, lines: readonly number[], unit: IssueUnit): DatasetIssue[] {
  return failures.map((f) => datasetIssue(unit, lines[f.row] ?? 0, null, 'E_TOKENIZE', `cannot be tokenized (${f.code}): ${f.reason}`))
}

export class IssueList {
  readonly items: DatasetIssue[] = []
  truncated = false
  readonly #cap: number
  readonly #unit: IssueUnit

  constructor(cap: number, unit: IssueUnit) {
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
    this.items.push(datasetIssue(this.#unit, line, field, code, detail))
  }
}
