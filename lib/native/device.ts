/** Compute devices: names, validation, and what this build and machine offer. */
import { InvalidArgumentError } from '../errors.js'
import { loadAddon } from './load-addon.js'

export type DeviceSpec = 'auto' | 'cpu' | 'cuda' | `cuda:${number}`

export function checkDevice(device: unknown, field = 'device'): DeviceSpec {
  if (device === 'auto' || device === 'cpu' || device === 'cuda' || (typeof device === 'string' && /^cuda:\d{1,3}$/.test(device)))
    return device as DeviceSpec
  throw new InvalidArgumentError(`${field}: expected 'auto', 'cpu', 'cuda' or 'cuda:N', got ${JSON.stringify(device)}`)
}

export interface CudaAvailability {
  /** Usable CUDA devices; -1 when the CUDA backend cannot run here (see reason). */
  count: number
  /** Why not, when count <= 0 (no CUDA build, no driver, no device). */
  reason: string
}

/** Whether runs can use a GPU: the CUDA backend built (libflock_cuda.so) and a driver and device present. */
export function cudaDevices(): CudaAvailability {
  return (loadAddon() as unknown as { cudaDevices(): CudaAvailability }).cudaDevices()
}
