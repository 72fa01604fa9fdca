/** Types of the raw N-API addon (native/addon/addon.cpp). Use the wrappers in lib/native/model.ts. */
export interface NativeModelInfo {
  architecture: string
  modelType: string
  weightDtype: 'F32' | 'BF16' | 'F16'
  vocabSize: number
  hiddenSize: number
  intermediateSize: number
  numLayers: number
  numHeads: number
  numKvHeads: number
  headDim: number
  maxPositionEmbeddings: number
  slidingWindow: number
  tieWordEmbeddings: boolean
  attentionBias: boolean
  outputBias: boolean
  mlpBias: boolean
  rmsNormEps: number
  ropeTheta: number
  ropeScaling: {
    type: 'default' | 'llama3'
    factor: number
    lowFreqFactor: number
    highFreqFactor: number
    originalMaxPositionEmbeddings: number
  }
  numParameters: number
  weightBytes: number
  numThreads: number
}

export interface NativeForwardResult {
  lossSum: number
  numTargets: number
  seqLossSum: Float64Array
  seqNumTargets: Float64Array
  logits?: Float32Array
}

export interface NativeModel {
  info(): NativeModelInfo
  forward(tokens: Int32Array, lossMask: Uint8Array, seqOffsets: number[], wantLogits: boolean): Promise<NativeForwardResult>
  dispose(): void
  readonly disposed: boolean
}

/** The CPU's FP32 peak estimate: per core, lanes × fmaUnits × 2 FLOP per cycle at the measured clock (native/src/cpu/cpu_peak.hpp). */
export interface NativeCpuPeak {
  /** the ISA the CPU kernels use: avx512 | avx2 | scalar */
  isa: string
  lanes: number
  fmaUnits: number
  flopsPerCycle: number
  /** clock of one busy core, measured by a chain of dependent adds */
  ghz: number
  /** FMA throughput of one core measured by independent FMA chains, a check of flopsPerCycle × ghz */
  fmaGflopsPerCore: number
}

export interface NativeAddon {
  loadModel(dir: string, device: string, numThreads: number): Promise<NativeModel>
  cudaDevices(): { count: number; reason: string }
  /** measures for about 0.1 s on the calling thread */
  cpuPeak(): NativeCpuPeak
  abiVersion: number
  buildInfo: string
}
