import { FlockError } from '../../errors.js'

/** The validator's state folder holds damaged data that cannot be read back (E_STORE_CORRUPT). */
export class StoreCorruptError extends FlockError {
  readonly path: string
  constructor(path: string, message: string) {
    super('E_STORE_CORRUPT', `${path}: ${message}`)
    this.path = path
  }
}

/** Another running process holds the validator's state folder (E_STORE_LOCKED). */
export class StoreLockedError extends FlockError {
  constructor(message: string) {
    super('E_STORE_LOCKED', message)
  }
}

/** A record or snapshot could not be written completely and durably (E_STORE_WRITE): a full disk, an I/O error. */
export class StoreWriteError extends FlockError {
  readonly path: string
  constructor(path: string, message: string, options?: { cause?: unknown }) {
    super('E_STORE_WRITE', `${path}: ${message}`, options)
    this.path = path
  }
}
