// exp over arrays, vectorised and with the same bits on every ISA: one polynomial
// (Cephes' expf, about 1 ulp) evaluated with the same fused multiply-adds in the AVX-512,
// AVX2 and scalar versions, and sums kept in sixteen fixed partial sums. Inputs below
// -87 give 0 (-inf included), above 88 give +inf.
#pragma once
#include <cstdint>

#include "gemm_kernels.hpp"

namespace flk::cpu {

// y[i] = exp(x[i] - shift); x and y may be the same array. `isa` (tests) is capped at the machine's.
void exp_shifted(const float* x, float shift, float* y, int64_t n, kernels::Isa isa = kernels::active_isa());
// x[i] = exp(x[i] - shift) in place; returns the sum of the new x[i] in double precision:
// element i goes to partial sum i mod 16 (the last n mod 16 are added after the tree).
double exp_shifted_sum(float* x, float shift, int64_t n, kernels::Isa isa = kernels::active_isa());
// max of x[0..n) (n >= 1); exact, so any order gives the same value
float array_max(const float* x, int64_t n);
// y[i] = 1 / (1 + exp(-x[i]))
void sigmoid(const float* x, float* y, int64_t n);

}  // namespace flk::cpu
