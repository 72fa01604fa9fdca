/**
 * Rendering a parsed chat template with @huggingface/jinja under limits that
 * the library does not offer itself: it has no step, size or time bound, and
 * `range(1000000000)` grows a JS array until V8 aborts the whole process
 * (a "Fatal JavaScript invalid size error" no try/catch or worker can contain).
 *
 * - every AST node evaluated counts one step (loops, macros, recursion: all of it),
 *   and every list an evaluation yields counts its length (a loop over it may
 *   evaluate nothing per item);
 * - every string an evaluation yields (the output included) and every list is
 *   checked against a size bound as it is made;
 * - `range()` is ours: it refuses to build a list past the bound before building it.
 *
 * These bounds are deterministic (the same template and row fail the same way on
 * every machine). Time is bounded from outside: rendering runs in a worker that
 * is terminated past its time limit (worker-pool.ts).
 *
 * The globals are those @huggingface/jinja's Template.render() sets up
 * (setupGlobals is not exported, so they are written out here).
 */
import { Environment, Interpreter, type Template } from '@huggingface/jinja'

import { InvalidArgumentError } from '../errors.js'
import { TemplateLimitError } from './errors.js'

export interface TemplateLimits {
  /** AST node evaluations per render */
  maxSteps: number
  /** UTF-16 length of any string a render makes, its output included */
  maxChars: number
  /** length of any list a render makes (range(), split, list, +) */
  maxItems: number
}

/**
 * Far above what real chat templates need (Qwen3's renders a 64-message row in
 * about 12,000 steps, Llama 3's in 5,600), far below what takes a render past a
 * second or hundreds of MB.
 */
export const DEFAULT_TEMPLATE_LIMITS: Readonly<TemplateLimits> = Object.freeze({ maxSteps: 1_000_000, maxChars: 8 * 1024 * 1024, maxItems: 1024 * 1024 })

// @huggingface/jinja's index.d.ts imports "./runtime" with no extension, which NodeNext
// resolution does not follow: its runtime classes arrive untyped, so they are typed here.
interface Evaluated {
  type: string
  value: unknown
}
interface RuntimeEnvironment {
  set(name: string, value: unknown): void
}
interface RuntimeInterpreter {
  evaluate(statement: unknown, environment: unknown): Evaluated
  run(program: unknown): Evaluated
}
const InterpreterBase = Interpreter as unknown as new (env: RuntimeEnvironment) => RuntimeInterpreter
const EnvironmentClass = Environment as unknown as new () => RuntimeEnvironment

class BoundedInterpreter extends InterpreterBase {
  #steps = 0
  readonly #limits: TemplateLimits

  constructor(env: RuntimeEnvironment, limits: TemplateLimits) {
    super(env)
    this.#limits = limits
  }

  #charge(steps: number): void {
    this.#steps += steps
    if (this.#steps > this.#limits.maxSteps)
      throw new TemplateLimitError(`the chat template took more than ${this.#limits.maxSteps} evaluation steps (a loop or recursion too long)`)
  }

  override evaluate(statement: unknown, environment: unknown): Evaluated {
    this.#charge(1)
    const v = super.evaluate(statement, environment)
    if (v.type === 'StringValue' && (v.value as string).length > this.#limits.maxChars)
      throw new TemplateLimitError(`the chat template made a string of ${(v.value as string).length} characters, more than the limit of ${this.#limits.maxChars}`)
    if (v.type === 'ArrayValue' || v.type === 'TupleValue') {
      const n = (v.value as unknown[]).length
      if (n > this.#limits.maxItems) throw new TemplateLimitError(`the chat template made a list of ${n} items, more than the limit of ${this.#limits.maxItems}`)
      // a loop over a list costs its length even when its body evaluates nothing
      this.#charge(n)
    }
    return v
  }
}

/** Python's range(), refusing lists longer than maxItems before making them. */
function boundedRange(maxItems: number) {
  return (start: number, stop?: number, step = 1): number[] => {
    if (stop === undefined) [start, stop] = [0, start]
    if (![start, stop, step].every(Number.isInteger)) throw new Error('range() arguments must be integers')
    if (step === 0) throw new Error('range() step must not be zero')
    const n = Math.max(0, Math.ceil((stop - start) / step))
    if (n > maxItems) throw new TemplateLimitError(`the chat template asked for range() of ${n} items, more than the limit of ${maxItems}`)
    return Array.from({ length: n }, (_, i) => start + i * step)
  }
}

const pad2 = (n: number): string => (n < 10 ? `0${n}` : `${n}`)

/** @huggingface/jinja's strftime_now(): %Y %m %d %b %B %H %M %% of the current local time. */
function strftimeNow(format: string): string {
  const date = new Date()
  return format.replace(/%[YmdbBHM%]/g, (t) => {
    switch (t) {
      case '%Y': return `${date.getFullYear()}`
      case '%m': return pad2(date.getMonth() + 1)
      case '%d': return pad2(date.getDate())
      case '%b': return new Intl.DateTimeFormat(undefined, { month: 'short' }).format(date)
      case '%B': return new Intl.DateTimeFormat(undefined, { month: 'long' }).format(date)
      case '%H': return pad2(date.getHours())
      case '%M': return pad2(date.getMinutes())
      default: return '%'
    }
  })
}

export function renderBounded(template: Template, items: Record<string, unknown>, limits: TemplateLimits): string {
  const env = new EnvironmentClass()
  const globals: Record<string, unknown> = {
    false: false, true: true, none: null, False: false, True: true, None: null,
    raise_exception: (message: string) => {
      throw new Error(message)
    },
    range: boundedRange(limits.maxItems),
    strftime_now: strftimeNow,
  }
  for (const [k, v] of Object.entries({ ...globals, ...items })) env.set(k, v)
  const out = new BoundedInterpreter(env, limits).run(template.parsed)
  return out.value as string
}

export function checkTemplateLimits(limits: Partial<TemplateLimits> | undefined): TemplateLimits {
  const l = { ...DEFAULT_TEMPLATE_LIMITS, ...limits }
  for (const [k, v] of Object.entries(l))
    if (!Number.isSafeInteger(v) || v < 1) throw new InvalidArgumentError(`templateLimits.${k}: expected a positive integer, got ${v}`)
  return l
}
