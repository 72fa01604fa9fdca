import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t from 'tap'

import { AddonNotBuiltError, loadAddon } from '../lib/index.js'
import { addonCandidates, loadAddonFrom } from '../lib/native/load-addon.js'

t.test('a missing addon says how to build it', async (t) => {
  t.throws(() => loadAddonFrom(['/nonexistent/flock_lora.node']), AddonNotBuiltError)
  t.throws(() => loadAddonFrom(['/nonexistent/flock_lora.node']), /npm run build:native/)
})

t.test('a broken addon file is reported with its path', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'flock-addon-'))
  const bad = join(dir, 'flock_lora.node')
  writeFileSync(bad, 'not a shared object')
  t.throws(() => loadAddonFrom([bad]), { name: 'AddonNotBuiltError', message: new RegExp(`${bad}.*failed to load`) })
})

t.test('FLOCK_LORA_ADDON comes first; the built addon loads', async (t) => {
  process.env.FLOCK_LORA_ADDON = '/x/y.node'
  t.equal(addonCandidates('/pkg')[0], '/x/y.node')
  delete process.env.FLOCK_LORA_ADDON
  t.match(addonCandidates('/pkg')[0], /build\/Release\/flock_lora\.node$/)
  const addon = loadAddon()
  t.equal(addon.abiVersion, 1)
  t.match(addon.buildInfo, /flock_lora/)
})
