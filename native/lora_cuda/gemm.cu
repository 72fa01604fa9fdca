#include <string>

#include "common.cuh"
#include "gemm.cuh"

namespace flk::cuda {

namespace {
int checked(int64_t v, const char* what) {
  if (v < 0 || v > 2147483647) fail(FLOCK_E_INVALID_ARGUMENT, std::string("GEMM ") + what + " out of cuBLAS range: " + std::to_string(v));
  return static_cast<int>(v);
}
}  // namespace

// cuBLAS is column-major: a row-major C[M, N] is a column-major Cᵀ[N, M] = op(B)ᵀ · op(A)ᵀ,
// and a stored row-major X read column-major is Xᵀ, so each operand keeps its own flag.
void gemm(cublasHandle_t h, int64_t M, int64_t N, int64_t K, const Operand& A, const Operand& B, float* C, int64_t ldc, float alpha,
          float beta) {
  if (M == 0 || N == 0) return;
  FLK_CUBLAS(cublasGemmEx(h, B.trans ? CUBLAS_OP_T : CUBLAS_OP_N, A.trans ? CUBLAS_OP_T : CUBLAS_OP_N, checked(N, "N"), checked(M, "M"),
                          checked(K, "K"), &alpha, B.p, B.type, checked(B.ld, "ldb"), A.p, A.type, checked(A.ld, "lda"), &beta, C, CUDA_R_32F,
                          checked(ldc, "ldc"), CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
}

void gemm_batched(cublasHandle_t h, int64_t M, int64_t N, int64_t K, const Operand& A, const Operand& B, float* C, int64_t ldc,
                  int64_t stride_c, int batch, float alpha, float beta) {
  if (M == 0 || N == 0 || batch == 0) return;
  FLK_CUBLAS(cublasGemmStridedBatchedEx(h, B.trans ? CUBLAS_OP_T : CUBLAS_OP_N, A.trans ? CUBLAS_OP_T : CUBLAS_OP_N, checked(N, "N"),
                                        checked(M, "M"), checked(K, "K"), &alpha, B.p, B.type, checked(B.ld, "ldb"), B.stride, A.p, A.type,
                                        checked(A.ld, "lda"), A.stride, &beta, C, CUDA_R_32F, checked(ldc, "ldc"), stride_c, batch,
                                        CUBLAS_COMPUTE_32F, CUBLAS_GEMM_DEFAULT));
}

}  // namespace flk::cuda
