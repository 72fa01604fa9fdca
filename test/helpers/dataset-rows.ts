import { validateDataset, type DatasetSource, type ReadDatasetOptions } from '../../lib/index.js'
import type { DatasetIssue } from '../../lib/index.js'

export const GOOD = { system: 'Be brief.', conversations: [{ role: 'user', content: 'Hi' }, { role: 'assistant', content: 'Hello!' }] }

export function line(v: unknown): string {
  return JSON.stringify(v)
}

export function jsonl(...lines: string[]): string {
  return lines.join('\n') + '\n'
}

/** Validates and returns the issues; the dataset must be invalid. */
export async function issuesOf(source: DatasetSource, options: ReadDatasetOptions = {}): Promise<DatasetIssue[]> {
  const v = await validateDataset(source, options)
  if (v.ok) throw new Error('expected the dataset to be invalid')
  return v.issues
}
