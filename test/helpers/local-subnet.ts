// A local subnet for validator tests: LocalChain, LocalHub and the tiny model in a temp
// folder, miners that publish through the miner's own submitDataset, and an assembled validator.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

import { pino } from 'pino'
import type { Test } from 'tap'

import type { LocalSubnetParams } from '../../lib/chain/index.js'
import type { CompetitionConfig } from '../../lib/config/index.js'
import { datasetRepo, publishDataset } from '../../lib/hub/index.js'
import { devAddress, localCompetitionConfig, openLocalNetwork, type LocalNetwork } from '../../lib/local-subnet/index.js'
import { submitDataset } from '../../lib/miner/index.js'
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
  /**
   * Registers a miner; `content` is submitted as `flock-miner submit` does; `upload` is
   * uploaded and committed without our tools (as a miner whose file submit would refuse);
   * `commit` is committed as is.
   */
  addMiner(name: string, what: { content: string } | { upload: string } | { commit: string }): Promise<TestMiner>
  assemble(over?: Partial<AssembleOptions> & { config?: CompetitionConfig }): Promise<AssembledValidator>
}

export const quietLogger = () => pino({ level: process.env.FLOCK_TEST_LOGS ? 'debug' : 'silent' })

export async function localSubnet(t: Test, subnet: LocalSubnetParams = {}, netuid = 3): Promise<LocalSubnet> {
  const dir = mkdtempSync(join(tmpdir(), 'flock-validator-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  // blocks only when a test makes them
  const net = await openLocalNetwork({ stateDir: dir, netuid, subnet, blockTimeMs: null })
  return {
    dir, netuid, net,
    async addMiner(name, what) {
      const { chain, uid } = await net.clientFor(await devAddress(`TestMiner-${name}`))
      await net.chain.advanceBlocks(1)
      if ('commit' in what || 'upload' in what) {
        let text: string
        if ('commit' in what) text = what.commit
        else {
          const p = await publishDataset(net.hub, { repo: datasetRepo(`${name}/data`), content: what.upload, pathInRepo: 'data.jsonl' })
          text = `${name}/data:${p.sha}:${p.sha256.slice(0, 32)}`
        }
        await chain.publishCommitment(netuid, text)
        return { name, hotkey: chain.hotkey!, uid, text }
      }
      const datasetPath = join(dir, `${name}.jsonl`)
      writeFileSync(datasetPath, what.content)
      const r = await submitDataset({ datasetPath, repoId: `${name}/data`, hub: net.hub, chain, netuid, config: localCompetitionConfig })
      return { name, hotkey: chain.hotkey!, uid, text: r.commitment }
    },
    assemble(over = {}) {
      return assembleValidator({
        chain: net.chain, hub: net.hub, netuid, config: localCompetitionConfig, stateDir: join(dir, 'validator'), cacheDir: join(dir, 'validator', 'hub-cache'),
        logger: quietLogger(), numThreads: 2,
        resolveFiles: async () => ({ modelDir: net.paths.model, evalPath: net.paths.evalSet }),
        ...over,
      })
    },
  }
}
