/** How huggingface.co describes files in tree listings and paths-info, for the fake hub. */
import { createHash } from 'node:crypto'


export interface StoredFile {
  content: Buffer
  lfs: boolean
}

export interface TreeEntry {
  type: 'file' | 'directory'
  path: string
  size: number
  oid: string
  lfs?: { oid: string; size: number; pointerSize: number }
}

export const sha256Hex = (data: Buffer | string): string => createHash('sha256').update(data).digest('hex')
export const gitBlobOid = (data: Buffer): string =>
  createHash('sha1').update(`blob ${data.length}\0`).update(data).digest('hex')

function lfsPointer(content: Buffer): Buffer {
  return Buffer.from(`version https://git-lfs.github.com/spec/v1\noid sha256:${sha256Hex(content)}\nsize ${content.length}\n`)
}

export function entryFor(path: string, file: StoredFile): TreeEntry {
  if (!file.lfs) return { type: 'file', path, size: file.content.length, oid: gitBlobOid(file.content) }
  const pointer = lfsPointer(file.content)
  return {
    type: 'file',
    path,
    size: file.content.length,
    oid: gitBlobOid(pointer),
    lfs: { oid: sha256Hex(file.content), size: file.content.length, pointerSize: pointer.length },
  }
}

