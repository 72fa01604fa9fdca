// Child process for the store's lock test: on "go" it opens the store and answers "held" or
// "locked <code>"; on "release" it closes a store it holds and answers "released". Arg: store dir.
import { createInterface } from 'node:readline'

import { ResultStore } from '../../lib/validator/store/index.js'

const [dir] = process.argv.slice(2) as [string]
let store: ResultStore | null = null
const lines = createInterface({ input: process.stdin })
lines.on('line', (cmd) => {
  if (cmd === 'go') {
    ResultStore.open(dir).then(
      (s) => {
        store = s
        process.stdout.write('held\n')
      },
      (err: unknown) => process.stdout.write(`locked ${(err as { code?: string }).code ?? String(err)}\n`),
    )
  } else if (cmd === 'release') {
    void store?.close().then(() => {
      store = null
      process.stdout.write('released\n')
    })
  }
})
lines.on('close', () => process.exit(0))
process.stdout.write('ready\n')
