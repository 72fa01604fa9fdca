/**
 * The chain as the validator uses it, with every failed call counted in
 * flock_chain_errors_total{op="<method>"}. The error itself still reaches the caller.
 */
import type { Chain } from '../chain/index.js'
import type { FlockMetrics } from './flock-metrics.js'

export function countChainErrors(chain: Chain, metrics: FlockMetrics): Chain {
  return new Proxy(chain, {
    get(target, prop) {
      const value: unknown = Reflect.get(target, prop) // the target as `this`: classes with private fields
      if (typeof value !== 'function') return value
      if (typeof prop !== 'string' || prop === 'close') return (value as (...a: unknown[]) => unknown).bind(target)
      return (...args: unknown[]) => {
        const out: unknown = (value as (...a: unknown[]) => unknown).apply(target, args)
        if (out instanceof Promise) return out.catch((err: unknown) => {
          metrics.recordChainError(prop)
          throw err
        })
        return out
      }
    },
  })
}
