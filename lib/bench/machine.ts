/** What the bench records about the machine and the checkout it ran from. */
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { cpus, platform, release, totalmem } from 'node:os'

/** Instruction-set extensions that matter to the matrix kernels, as /proc/cpuinfo names them. */
const ISA_FLAGS = ['avx', 'avx2', 'fma', 'avx512f', 'avx512bw', 'avx512vl', 'avx512_vnni', 'avx512_bf16', 'avx512_fp16', 'avx_vnni', 'amx_tile', 'amx_bf16', 'amx_int8']

export interface MachineInfo {
  cpu_model: string
  cpus: number
  /** the ISA_FLAGS this CPU reports (Linux only; empty elsewhere) */
  isa: string[]
  mem_gb: number
  os: string
  node: string
}

export function cpuIsa(cpuinfo?: string): string[] {
  let text = cpuinfo
  if (text === undefined) {
    try {
      text = readFileSync('/proc/cpuinfo', 'utf8')
    } catch {
      return []
    }
  }
  const line = text.split('\n').find((l) => /^flags\s*:/.test(l))
  if (!line) return []
  const flags = new Set(line.slice(line.indexOf(':') + 1).trim().split(/\s+/))
  return ISA_FLAGS.filter((f) => flags.has(f))
}

export function machineInfo(): MachineInfo {
  const list = cpus()
  return {
    cpu_model: list[0]?.model.trim() ?? 'unknown',
    cpus: list.length,
    isa: cpuIsa(),
    mem_gb: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    os: `${platform()} ${release()}`,
    node: process.version,
  }
}

export interface GitInfo {
  commit: string
  /** uncommitted changes to tracked files */
  dirty: boolean
}

export function gitInfo(dir: string): GitInfo | null {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    const status = execFileSync('git', ['status', '--porcelain', '--untracked-files=no'], { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    return { commit, dirty: status.trim().length > 0 }
  } catch {
    return null
  }
}
