/**
 * Error classes. Each failure kind has its own class and a stable `code`;
 * errors from untrusted input name the offending place (file, tensor, field).
 */
export class FlockError extends Error {
  readonly code: string
  constructor(code: string, message: string, options?: { cause?: unknown }) {
    super(message, options)
    this.name = new.target.name
    this.code = code
  }
}

/** The native addon has not been built or cannot be loaded. */
export class AddonNotBuiltError extends FlockError {
  constructor(message: string, options?: { cause?: unknown }) {
    super('E_ADDON_MISSING', message, options)
  }
}

/** A model folder is unreadable or malformed: missing/corrupt files, bad tensors (E_IO, E_FORMAT, E_TENSOR). */
export class ModelFileError extends FlockError {}
/** config.json is missing a field, has a bad value, or asks for something unsupported (E_CONFIG, E_UNSUPPORTED). */
export class ModelConfigError extends FlockError {}
/** A caller-supplied value is out of range (E_INVALID_ARGUMENT). */
export class InvalidArgumentError extends FlockError {
  constructor(message: string, code = 'E_INVALID_ARGUMENT') {
    super(code, message)
  }
}
/** The run was cancelled through its AbortSignal (E_CANCELLED). */
export class CancelledError extends FlockError {}
/** The requested device is unavailable or failed (E_DEVICE). */
export class DeviceError extends FlockError {}
/** Out of host or device memory (E_OUT_OF_MEMORY). */
export class OutOfMemoryError extends FlockError {}
/** A loss or gradient became NaN or infinite (E_NUMERIC). */
export class NumericError extends FlockError {}
/** A bug in the native core (E_INTERNAL). */
export class InternalError extends FlockError {}

const byCode: Record<string, new (code: string, message: string, options?: { cause?: unknown }) => FlockError> = {
  E_IO: ModelFileError,
  E_FORMAT: ModelFileError,
  E_TENSOR: ModelFileError,
  E_CONFIG: ModelConfigError,
  E_UNSUPPORTED: ModelConfigError,
  E_CANCELLED: CancelledError,
  E_DEVICE: DeviceError,
  E_OUT_OF_MEMORY: OutOfMemoryError,
  E_NUMERIC: NumericError,
  E_INTERNAL: InternalError,
}

/** Turns an error thrown by the addon (an Error with a `code`) into its typed class. */
export function fromNativeError(err: unknown): Error {
  if (!(err instanceof Error)) return new InternalError('E_INTERNAL', String(err))
  const code = (err as { code?: unknown }).code
  if (typeof code !== 'string') return err
  if (code === 'E_INVALID_ARGUMENT') return new InvalidArgumentError(err.message)
  const Cls = byCode[code]
  return Cls ? new Cls(code, err.message, { cause: err }) : err
}
