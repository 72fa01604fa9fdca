// Child process for the store's crash test: records results as fast as it can, printing
// each key once its write has returned, until it is killed. Args: store dir, key prefix.
import { ResultStore } from '../../lib/validator/store/index.js'
import { fakeResult } from './results.js'

const [dir, prefix] = process.argv.slice(2) as [string, string]
const store = await ResultStore.open(dir, { compactEvery: 7 })
process.stdout.write('open\n')
for (let i = 0; i < 100_000; i++) {
  const key = `${prefix}-${i}`
  await store.recordStart(key)
  await store.recordResult(fakeResult(key, i))
  process.stdout.write(`${key}\n`)
}
