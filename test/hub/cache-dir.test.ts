// The default hub cache folder is where Python huggingface_hub puts it, for every way of
// setting it (HF_HOME, HF_HUB_CACHE, the legacy HUGGINGFACE_HUB_CACHE, XDG_CACHE_HOME), with
// `~` and `$VAR` expanded as it expands them: the cases and answers come from huggingface_hub
// itself (test/reference/make_hub_cache_paths.py), so a model it downloaded is found here.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'

import { defaultHubCacheDir } from '../../lib/hub/index.js'
import { repoRoot } from '../helpers/paths.js'

const fixture = JSON.parse(readFileSync(join(repoRoot, 'test', 'fixtures', 'hub', 'cache-paths.json'), 'utf8')) as {
  generator: string
  home: string
  cases: Array<{ env: Record<string, string>; hubCache: string }>
}

t.test(`defaultHubCacheDir() agrees with ${fixture.generator} in every case`, async (t) => {
  t.ok(fixture.cases.length >= 10)
  for (const c of fixture.cases) t.equal(defaultHubCacheDir({ HOME: fixture.home, ...c.env }), c.hubCache, JSON.stringify(c.env))
})
