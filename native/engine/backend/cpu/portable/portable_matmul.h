// Matrix products as llama.cpp's portable x86-64 build computes them: the
// build @fugood/llama.node ships for linux-x64, compiled for baseline x86-64
// (SSE2, no AVX, no FMA), where ggml's vector paths compile away and its plain
// C loops run. What that changes against the AVX builds cpu_matmul mirrors:
//  - Q8_0 activations use ggml's reference rounding: id = 1/d with d = max|x|/127,
//    q = round half away from zero (x·id) (AVX builds: 127/max|x|, half to even);
//  - f32 and f16 dot products add each float product into a double, in order;
//  - Q8_0 blocks: sum += (float)isum · (d_w·d_x), a float running sum;
//  - Q4_K / Q6_K super-blocks: integer sums kept in eight lanes (element index
//    mod 8) with each sub-block's scale, each lane added as d·lane into eight
//    float sums, the Q4_K mins subtracted from a separate float sum, the eight
//    lanes added to it last.
// Used by the 'llama.cpp-portable' numerics, which exist to reproduce such
// builds token for token; they are slow (scalar).
#pragma once

#include "backend/cpu/matmul.h"
#include "backend/cpu/thread_pool.h"
#include "formats/tensor_type.h"

#include <cstdint>

namespace llava {

// The weight types the portable numerics take: F32, F16, Q8_0, Q4_K, Q6_K.
bool cpu_matmul_portable_supports(tensor_type type);

// y[m][n] = Σ_k W[n][k]·x[m][k] for m < M, n < N; W is N rows of K in `type`,
// y rows are ldy apart. Throws std::invalid_argument for other types or bad sizes.
void cpu_matmul_portable(thread_pool& pool, matmul_workspace& ws, tensor_type type, const void* W, int64_t N, int64_t K,
                         const float* x, int64_t M, float* y, int64_t ldy);

} // namespace llava
