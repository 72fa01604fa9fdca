// The CUDA backend compiles and links wherever a CUDA compiler is found (.ci/run fetches
// one from NVIDIA's PyPI wheels: native/test/fetch_cuda_toolchain.sh), and the CPU addon
// loads the plugin it built. No GPU here: the plugin then reports why it cannot run, and a
// 'cuda' run fails with that reason. Running the kernels needs native/test/run_gpu_checks.sh
// on a GPU machine.
import { spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'

import t from 'tap'

import { binPath, ensureBuilt } from './helpers/bin.js'
import { repoRoot } from './helpers/paths.js'

function findNvcc(): string | null {
  const candidates = [
    process.env.FLOCK_NVCC,
    join(repoRoot, '.cache', 'cuda-toolchain', 'nvidia', 'cu13', 'bin', 'nvcc'),
    spawnSync('sh', ['-c', 'command -v nvcc'], { encoding: 'utf8' }).stdout.trim(),
    '/usr/local/cuda/bin/nvcc',
  ]
  return candidates.find((c): c is string => !!c && existsSync(c)) ?? null
}

const nvcc = findNvcc()
const buildDir = join(repoRoot, 'build-cuda-check')

t.test('every CUDA source compiles, and the plugin and test_cuda link', { skip: nvcc ? false : 'no CUDA compiler: run `bash native/test/fetch_cuda_toolchain.sh` (.ci/run does)' }, async (t) => {
  const run = (args: string[]) => spawnSync('cmake', args, { cwd: repoRoot, encoding: 'utf8', timeout: 900_000 })
  const cfg = run(['-S', 'native', '-B', buildDir, '-DCMAKE_BUILD_TYPE=Release', '-DFLOCK_CUDA=ON', `-DCMAKE_CUDA_COMPILER=${nvcc}`, '-DCMAKE_CUDA_ARCHITECTURES=90', '-DFLOCK_BUILD_TESTS=ON'])
  t.equal(cfg.status, 0, `cmake configures the CUDA build with ${nvcc}`) || t.comment(`${cfg.stdout}${cfg.stderr}`.slice(-4000))
  const build = run(['--build', buildDir, '-j2', '--target', 'flock_cuda', 'test_cuda'])
  const errors = `${build.stdout}${build.stderr}`.split('\n').filter((l) => /error/i.test(l))
  t.equal(build.status, 0, 'nvcc compiles kernels.cu, gemm.cu, attention.cu, device_weights.cu, cuda_backend.cu; the plugin and test_cuda link') ||
    t.comment(errors.slice(0, 40).join('\n'))

  const plugin = join(buildDir, 'lora_cuda', 'libflock_cuda.so')
  t.ok(existsSync(plugin), 'libflock_cuda.so')
  t.ok(existsSync(join(buildDir, 'lora_cuda', 'test_cuda')), 'test_cuda')
  const symbols = spawnSync('nm', ['-D', '--defined-only', plugin], { encoding: 'utf8' }).stdout
  for (const sym of ['flock_cuda_abi', 'flock_cuda_device_count', 'flock_cuda_create_backend']) t.match(symbols, new RegExp(`\\b${sym}\\b`), `exports ${sym}`)

  // The addon dlopens the plugin named by FLOCK_CUDA_LIBRARY (in a child: the addon loads it once per process).
  const probe = `
    import { cudaDevices } from ${JSON.stringify(join(repoRoot, 'dist', 'lib', 'native', 'device.js'))}
    console.log(JSON.stringify(cudaDevices()))`
  ensureBuilt()
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', probe], {
    cwd: repoRoot, encoding: 'utf8', env: { ...process.env, FLOCK_CUDA_LIBRARY: plugin }, timeout: 60_000,
  })
  const avail = JSON.parse(child.stdout.trim().split('\n').pop() ?? 'null') as { count: number; reason: string } | null
  t.ok(avail, `the probe printed the availability${avail ? '' : `: ${child.stderr.slice(-2000)}`}`)
  if (avail && avail.count > 0) {
    t.comment(`${avail.count} CUDA device(s) here: run bash native/test/run_gpu_checks.sh for the GPU checks`)
    return
  }
  t.notMatch(avail?.reason ?? '', /not loaded|does not match this build/, `the plugin loaded and answered: ${avail?.reason}`)
  t.match(avail?.reason ?? '', /driver|device|CUDA/i, 'and says why it cannot run here')

  // flock-bench --device cuda runs on that backend: here it reaches the plugin, which gives its reason
  const bench = spawnSync(process.execPath, [binPath('flock-bench'), 'train', '--shape', 'tiny', '--seq', '16', '--steps', '1', '--device', 'cuda'], {
    cwd: repoRoot, encoding: 'utf8', env: { ...process.env, FLOCK_CUDA_LIBRARY: plugin, FLOCK_BENCH_CACHE: join(buildDir, 'bench-cache') }, timeout: 120_000,
  })
  t.equal(bench.status, 1, 'flock-bench --device cuda fails here, with no GPU')
  t.notMatch(bench.stderr, /not loaded|not available in this build/, 'not refused by flock-bench: the CUDA backend itself was asked')
  t.match(bench.stderr, new RegExp(avail!.reason.slice(0, 40).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')), 'and it reports the backend\'s own reason')
})
