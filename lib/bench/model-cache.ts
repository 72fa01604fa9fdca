/**
 * Random-weight model folders for the bench shapes, written once into a cache
 * (`$FLOCK_BENCH_CACHE` or ~/.cache/flock-bench, then `<shape>-<dtype>`) and
 * reused. The weights stream to disk a chunk at a time, so a 6 GB model never
 * sits in memory; a folder is renamed into place only once complete.
 */
import { mkdir, readFile, rename, rm, statfs, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'

import { InvalidArgumentError } from '../errors.js'
import { buildTinyTokenizer } from '../tiny-model/tokenizer.js'
import { writeSafetensorsStream } from '../tiny-model/safetensors.js'
import { modelTensorSpecs, type TensorSpec } from '../tiny-model/weights.js'
import { SeededRandom } from '../util/seeded-random.js'
import { Mulberry32 } from './mulberry32.js'
import { shapeConfig, shapeParameters, type BenchDtype, type BenchShape } from './shapes.js'

/** Bumped whenever the weights written for a (shape, dtype, seed) change. */
const GENERATOR_VERSION = 1
const MARKER = 'flock-bench-model.json'
const CHUNK = 1 << 20

export function benchCacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const v = env.FLOCK_BENCH_CACHE
  return v && v.length > 0 ? v : join(homedir(), '.cache', 'flock-bench')
}

export function shapeModelDir(shape: BenchShape, dtype: BenchDtype, root = benchCacheRoot()): string {
  return join(root, `${shape.name}-${dtype}`)
}

/**
 * Uniform weights with the spreads of the tiny model's normal ones (std
 * 1.5/sqrt(fan_in) for matrices, 0.1 for biases, norms 1 ± 0.2), so logits
 * are spread out rather than near-uniform as under HF's std-0.02 init.
 */
export function* tensorChunks(spec: TensorSpec, seed: number): Generator<Float32Array> {
  const rng = new Mulberry32(new SeededRandom(seed, `flock-bench-weights:${spec.name}`).uint32())
  const init = spec.init
  const std = init.kind === 'matrix' ? 1.5 / Math.sqrt(init.fanIn) : init.kind === 'norm' ? 0.2 : 0.1
  const offset = init.kind === 'norm' ? 1 : 0
  const scale = (2 * Math.sqrt(3) * std) / 4294967296
  const half = Math.sqrt(3) * std
  const total = spec.shape.reduce((a, b) => a * b, 1)
  const buf = new Float32Array(Math.min(CHUNK, total))
  for (let done = 0; done < total; ) {
    const n = Math.min(buf.length, total - done)
    for (let i = 0; i < n; i++) buf[i] = offset + rng.uint32() * scale - half
    done += n
    yield n === buf.length ? buf : buf.subarray(0, n)
  }
}

interface Marker {
  generator: number
  shape: string
  dtype: BenchDtype
  seed: number
  parameters: number
}

async function readMarker(dir: string): Promise<Marker | 'missing' | 'absent-dir'> {
  const text = await readFile(join(dir, MARKER), 'utf8').catch((e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? null : Promise.reject(e)))
  if (text !== null) return JSON.parse(text) as Marker
  const exists = await readFile(join(dir, 'config.json')).then(
    () => true,
    () => false,
  )
  return exists ? 'missing' : 'absent-dir'
}

export interface EnsureModelOptions {
  dtype?: BenchDtype
  root?: string
  seed?: number
  onProgress?: (message: string) => void
}

export interface EnsuredModel {
  dir: string
  created: boolean
  /** seconds spent writing it (0 when it was in the cache) */
  seconds: number
  parameters: number
}

export async function ensureShapeModel(shape: BenchShape, options: EnsureModelOptions = {}): Promise<EnsuredModel> {
  const dtype = options.dtype ?? 'f32'
  const seed = options.seed ?? 0
  const dir = shapeModelDir(shape, dtype, options.root ?? benchCacheRoot())
  const parameters = shapeParameters(shape)
  const want: Marker = { generator: GENERATOR_VERSION, shape: shape.name, dtype, seed, parameters }
  const have = await readMarker(dir)
  if (typeof have === 'object' && JSON.stringify(have) === JSON.stringify(want)) return { dir, created: false, seconds: 0, parameters }
  if (have === 'missing') throw new InvalidArgumentError(`${dir} exists and is not a flock-bench model folder (no ${MARKER}); move it or set FLOCK_BENCH_CACHE`)

  const bytes = parameters * (dtype === 'bf16' ? 2 : 4)
  await mkdir(options.root ?? benchCacheRoot(), { recursive: true })
  const fs = await statfs(options.root ?? benchCacheRoot())
  if (fs.bavail * fs.bsize < bytes * 1.05 + 64e6)
    throw new InvalidArgumentError(`${dir}: ${(bytes / 1e9).toFixed(2)} GB of weights do not fit in the ${((fs.bavail * fs.bsize) / 1e9).toFixed(2)} GB free there`)

  const started = performance.now()
  const tmp = `${dir}.partial-${process.pid}`
  await rm(tmp, { recursive: true, force: true })
  await mkdir(tmp, { recursive: true })
  try {
    await writeFile(join(tmp, 'config.json'), JSON.stringify(shapeConfig(shape, dtype), null, 2) + '\n')
    if (shape.tinyTokenizer) {
      const tok = buildTinyTokenizer(shape.arch)
      await writeFile(join(tmp, 'tokenizer.json'), JSON.stringify(tok.tokenizerJson, null, 2) + '\n')
      await writeFile(join(tmp, 'tokenizer_config.json'), JSON.stringify(tok.tokenizerConfig, null, 2) + '\n')
    }
    options.onProgress?.(`writing ${shape.name} (${(parameters / 1e6).toFixed(1)} M parameters, ${dtype}, ${(bytes / 1e9).toFixed(2)} GB) to ${dir}`)
    const specs = modelTensorSpecs(shape.dims)
    let lastReport = performance.now()
    await writeSafetensorsStream(join(tmp, 'model.safetensors'), specs, dtype === 'bf16' ? 'BF16' : 'F32', (s) => tensorChunks(s, seed), { format: 'pt' }, (done, total) => {
      if (performance.now() - lastReport > 5000) {
        lastReport = performance.now()
        options.onProgress?.(`  ${done}/${total} tensors`)
      }
    })
    await writeFile(join(tmp, MARKER), JSON.stringify(want, null, 2) + '\n')
    if (typeof have === 'object') await rm(dir, { recursive: true, force: true })
    await rename(tmp, dir)
  } catch (err) {
    await rm(tmp, { recursive: true, force: true })
    throw err
  }
  return { dir, created: true, seconds: (performance.now() - started) / 1000, parameters }
}
