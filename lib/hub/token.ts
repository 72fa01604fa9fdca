/**
 * The HF access token, held so that printing, logging or serializing it shows a mask:
 * only `reveal()` returns the value, and only the request code calls it.
 */
import { join } from 'node:path'
import { inspect, parseEnv } from 'node:util'

import { FileTooLargeError, readTextCappedSync } from '../util/read-capped.js'
import { HubAuthError } from './errors.js'

/** A .env file is a few lines; the cap keeps a wrong path (a device, a huge file) from being read whole. */
const ENV_FILE_MAX_BYTES = 1024 * 1024

export class HubToken {
  readonly #value: string
  constructor(value: string) {
    // The check message never repeats the value.
    if (typeof value !== 'string' || !/^hf_[A-Za-z0-9]+$/.test(value)) {
      throw new HubAuthError('HF token must look like "hf_" followed by letters and digits')
    }
    this.#value = value
  }
  reveal(): string {
    return this.#value
  }
  toString(): string {
    return 'HubToken(hf_***)'
  }
  toJSON(): string {
    return 'hf_***'
  }
  [inspect.custom](): string {
    return this.toString()
  }
}

export interface ResolveTokenOptions {
  /** An explicit token (a flag); wins over everything else. */
  token?: string | HubToken
  /** Environment to read `HF_TOKEN` from; defaults to `process.env`. */
  env?: NodeJS.ProcessEnv
  /** A dotenv file read for `HF_TOKEN` when the environment has none; defaults to `./.env`. */
  envFile?: string
}

/** Token precedence: explicit option, then `HF_TOKEN`, then `HF_TOKEN` in the `.env` file; else none. */
export function resolveHfToken(options: ResolveTokenOptions = {}): HubToken | undefined {
  if (options.token instanceof HubToken) return options.token
  if (options.token) return new HubToken(options.token)
  const fromEnv = (options.env ?? process.env).HF_TOKEN
  if (fromEnv) return new HubToken(fromEnv.trim())
  const file = options.envFile ?? join(process.cwd(), '.env')
  let text: string
  try {
    text = readTextCappedSync(file, ENV_FILE_MAX_BYTES)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    if (err instanceof FileTooLargeError) throw new HubAuthError(`${file} is larger than ${ENV_FILE_MAX_BYTES} bytes; not read for HF_TOKEN`)
    throw new HubAuthError(`cannot read ${file} for HF_TOKEN: ${(err as NodeJS.ErrnoException).code ?? 'error'}`)
  }
  const fromFile = parseEnv(text).HF_TOKEN
  return fromFile ? new HubToken(fromFile.trim()) : undefined
}
