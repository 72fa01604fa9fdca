// A local subnet for validator tests: LocalChain, LocalHub and the tiny model in a temp
// folder, miners that publish and commit like real ones, and an assembled validator.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { pino } from 'pino'
import type { Test } from 'tap'

import { formatCommitment, LocalChain, type LocalSubnetParams } from '../../lib/chain/index.js'
import type { CompetitionConfig } from '../../lib/config/index.js'
import { datasetRepo, publishDataset } from '../../lib/hub/index.js'
import { devAddress, localCompetitionConfig, openLocalNetwork, type LocalNetwork } from '../../lib/local/index.js'
import { assembleValidator, type AssembledValidator, type AssembleOptions } from '../../lib/validator/assemble.js'

export interface TestMiner {
  name: string
  hotkey: string
  uid: number
  text: string
}

export interface LocalSubnet {
  dir: string
  netuid: number
  net: LocalNetwork
  /** Registers a miner; `content` is published as data.jsonl, or `commit` is committed as is. */
  addMiner(name: string, what: { content: string } | { commit: string }): Promise<TestMiner>
  assemble(over?: Partial<AssembleOptions> & { config?: CompetitionConfig }): Promise<AssembledValidator>
}

export const quietLogger = () => pino({ level: process.env.FLOCK_TEST_LOGS ? 'debug' : 'silent' })

export async function localSubnet(t: Test, subnet: LocalSubnetParams = {}, netuid = 3): Promise<LocalSubnet> {
  const dir = mkdtempSync(join(tmpdir(), 'flock-validator-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const net = await openLocalNetwork({ stateDir: dir, netuid, subnet })
  return {
    dir, netuid, net,
    async addMiner(name, what) {
      const hotkey = await devAddress(`TestMiner-${name}`)
      const uid = await net.chain.register(netuid, hotkey)
      await net.chain.advanceBlocks(1)
      let text: string
      if ('commit' in what) {
        text = what.commit
      } else {
        const repo = `${name}/data`
        const p = await publishDataset(net.hub, { repo: datasetRepo(repo), content: what.content, pathInRepo: 'data.jsonl' })
        text = formatCommitment(repo, p.sha, p.sha256, hotkey)
      }
      await (await LocalChain.open({ path: net.paths.chain, hotkey })).publishCommitment(netuid, text)
      return { name, hotkey, uid, text }
    },
    assemble(over = {}) {
      return assembleValidator({
        chain: net.chain, hub: net.hub, netuid, config: localCompetitionConfig, stateDir: join(dir, 'validator'), cacheDir: join(dir, 'validator', 'hub-cache'),
        logger: quietLogger(), numThreads: 2,
        resolveFiles: async () => ({ modelDir: net.paths.model, evalSet: { path: net.paths.evalSet } }),
        ...over,
      })
    },
  }
}
