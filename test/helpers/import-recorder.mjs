// Module hooks that record every module a process resolves: `node --import <this file> …`
// appends one resolved URL per line to $FLOCK_IMPORT_LOG (the hooks run in their own thread).
import { appendFileSync } from 'node:fs'
import { register } from 'node:module'

const log = process.env.FLOCK_IMPORT_LOG
if (log) {
  const hooks = `
    import { appendFileSync } from 'node:fs'
    export async function resolve(specifier, context, next) {
      const r = await next(specifier, context)
      appendFileSync(${JSON.stringify(log)}, r.url + '\\n')
      return r
    }`
  register(`data:text/javascript,${encodeURIComponent(hooks)}`, import.meta.url)
  appendFileSync(log, '')
}
