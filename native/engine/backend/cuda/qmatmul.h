// Matrix products on the GPU with weights that stay in their GGUF format in
// device memory (same contract as cpu_matmul, backend/cpu/matmul.h):
//
//   Y[m * ldy + n] = Σ_k W[n][k] · X[m * K + k]      m < M, n < N, k < K
//
// Two paths:
//  - decode (M ≤ cuda_matmul_decode_rows): one warp per weight row. For Q4_0,
//    Q8_0, Q4_K and Q6_K, X is first quantized to 8-bit blocks of 32
//    (d = amax/127, q = round-half-even(x·127/amax)) and every 32-element
//    product is two or eight __dp4a integer dot products scaled in f32. The
//    other formats decode each block in registers and multiply in f32.
//  - prefill (M > cuda_matmul_decode_rows): tiled GEMMs over weight tiles
//    dequantized into shared memory. Q4_0, Q8_0, Q4_K and Q6_K run on tensor
//    cores (WMMA 16×16×16: X and the dequantized weights rounded to f16,
//    f32 accumulation); the other formats run a shared-memory tiled f32 GEMM
//    (X stays f32, weights from the shared block decoders).
// Supported: F32, F16, BF16, Q4_0, Q4_1, Q5_0, Q5_1, Q8_0, IQ4_NL, Q2_K..Q6_K,
// IQ4_XS (every type cpu_matmul takes).
#pragma once

#include "backend/cuda/cuda_workspace.h"
#include "formats/tensor_type.h"

#include <cstdint>

namespace llava {

constexpr int64_t cuda_matmul_decode_rows = 8;

// `automatic` picks by M; tests and benchmarks force a path. `decode` requires
// M ≤ cuda_matmul_decode_rows; `prefill` is the prefill kernel `automatic`
// would pick (tensor cores where the format has them); `prefill_f32` forces
// the f32 tiled kernel.
enum class cuda_matmul_path { automatic, decode, prefill, prefill_f32 };

bool cuda_matmul_supports(tensor_type type);

// Whether the decode path of `type` uses 8-bit activations and __dp4a.
bool cuda_matmul_uses_dp4a(tensor_type type);

// Whether the `prefill` path of `type` runs on tensor cores (f16 operands).
bool cuda_matmul_uses_tensor_cores(tensor_type type);

// Device pointers; runs on `stream` (a cudaStream_t, nullptr = default).
// Throws std::invalid_argument for an unsupported type, K not a multiple of
// the type's block size, negative sizes or ldy < N; cuda_error on CUDA errors.
void cuda_matmul(tensor_type type, const void* W, int64_t N, int64_t K, const float* X, int64_t M, float* Y,
                 int64_t ldy, cuda_workspace& ws, void* stream, cuda_matmul_path path = cuda_matmul_path::automatic);

// Convenience for tests: host memory in and out (W of w_bytes bytes,
// Y of (M−1)·ldy + N floats), synchronous. The device output is poisoned
// (0xFF bytes, NaN) before the kernel runs, gaps between rows included.
void cuda_matmul_host(tensor_type type, const void* W, uint64_t w_bytes, int64_t N, int64_t K, const float* X,
                      int64_t M, float* Y, int64_t ldy, cuda_matmul_path path = cuda_matmul_path::automatic);

} // namespace llava
