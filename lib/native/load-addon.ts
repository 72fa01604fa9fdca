/**
 * Finds and loads the compiled addon (node-gyp-build style): $FLOCK_LORA_ADDON,
 * then build/Release and build/Debug under the package root. When none loads,
 * throws AddonNotBuiltError saying how to build it.
 */
import { existsSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

import { AddonNotBuiltError } from '../errors.js'
import type { NativeAddon } from './binding.js'

const EXPECTED_ABI = 1
let cached: NativeAddon | undefined

/** The folder holding this package's package.json (works from lib/ and from dist/lib/). */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url))
  for (;;) {
    const pkg = join(dir, 'package.json')
    if (existsSync(pkg)) {
      try {
        if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === '@flock/lora') return dir
      } catch {
        // not ours; keep looking
      }
    }
    const up = dirname(dir)
    if (up === dir) throw new AddonNotBuiltError('cannot find the @flock/lora package root')
    dir = up
  }
}

export function addonCandidates(root = packageRoot()): string[] {
  const fromEnv = process.env.FLOCK_LORA_ADDON
  return [
    ...(fromEnv ? [fromEnv] : []),
    join(root, 'build', 'Release', 'flock_lora.node'),
    join(root, 'build', 'Debug', 'flock_lora.node'),
  ]
}

export function loadAddon(): NativeAddon {
  cached ??= loadAddonFrom(addonCandidates())
  return cached
}

/** Loads the first candidate that exists; throws AddonNotBuiltError naming what was tried. */
export function loadAddonFrom(candidates: string[]): NativeAddon {
  const require = createRequire(import.meta.url)
  const tried: string[] = []
  for (const path of candidates) {
    if (!existsSync(path)) {
      tried.push(`${path} (missing)`)
      continue
    }
    let addon: NativeAddon
    try {
      addon = require(path) as NativeAddon
    } catch (err) {
      throw new AddonNotBuiltError(
        `the native addon at ${path} failed to load (${(err as Error).message}); rebuild it with \`npm run build:native\``,
        { cause: err },
      )
    }
    if (addon.abiVersion !== EXPECTED_ABI) {
      throw new AddonNotBuiltError(
        `the native addon at ${path} has ABI ${addon.abiVersion} but this library needs ${EXPECTED_ABI}; rebuild it with \`npm run build:native\``,
      )
    }
    return addon
  }
  throw new AddonNotBuiltError(
    `the native addon is not built. Tried: ${tried.join(', ')}. ` +
      'Build it with `npm run build:native` (needs CMake >= 3.18 and a C++17 compiler), or set FLOCK_LORA_ADDON to a built flock_lora.node.',
  )
}
