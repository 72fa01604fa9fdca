// Row-major GEMMs on cuBLAS: C[M, N] = α · op(A)[M, K] · op(B)[K, N] + β · C (C in fp32).
// Inputs are bf16 (tensor cores, fp32 accumulation) or fp32 (no TF32).
#pragma once
#include <cublas_v2.h>

#include <cstdint>

namespace flk::cuda {

struct Operand {
  const void* p;
  cudaDataType_t type;  // CUDA_R_16BF or CUDA_R_32F
  int64_t ld;           // row stride of the stored row-major matrix
  bool trans;           // use the stored matrix transposed
  int64_t stride = 0;   // between batch entries (batched only)
};

void gemm(cublasHandle_t h, int64_t M, int64_t N, int64_t K, const Operand& A, const Operand& B, float* C, int64_t ldc, float alpha,
          float beta);
void gemm_batched(cublasHandle_t h, int64_t M, int64_t N, int64_t K, const Operand& A, const Operand& B, float* C, int64_t ldc,
                  int64_t stride_c, int batch, float alpha, float beta);

}  // namespace flk::cuda
