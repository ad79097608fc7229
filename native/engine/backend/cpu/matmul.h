// Matrix products with weights in any ggml format, the bulk of a forward pass.
//
//   Y[m * ldy + n] = Σ_k W[n][k] · X[m * K + k]      m < M, n < N, k < K
//
// W is a GGUF weight with ne = [K, N] (N rows of K elements, stored in `type`);
// X holds M float32 rows. As in llama.cpp's CPU path (spec §2.5) X is first
// converted to the weight type's dot-product format — F16 for F16, BF16 for
// BF16, Q8_0 for Q4_0/Q5_0/Q8_0/IQ4_NL, Q8_1 for Q4_1/Q5_1, Q8_K for the
// K-quants and IQ4_XS, F32 for F32 — and every block product is an integer
// (or half) dot product, so results follow llama.cpp's numerics.
// M = 1 is decoding (matrix × vector); M > 1 is prompt prefill.
#pragma once

#include "backend/cpu/thread_pool.h"
#include "formats/tensor_type.h"

#include <cstdint>
#include <vector>

namespace llava {

// Scratch memory reused across calls (the converted activations).
struct matmul_workspace {
    std::vector<uint8_t> activations;
    std::vector<float> dequantized_weights; // cpu_matmul_f32_activations' chunk of f32 weight rows
};

// Throws std::invalid_argument for an unsupported type, K not a multiple of the
// type's block size, negative sizes, or ldy < N (when M > 1).
void cpu_matmul(thread_pool& pool, matmul_workspace& ws, tensor_type type, const void* W, int64_t N, int64_t K,
                const float* X, int64_t M, float* Y, int64_t ldy);

// Whether cpu_matmul accepts weights of `type`.
bool cpu_matmul_supports(tensor_type type);

// Which block dot products cpu_matmul runs. `automatic` (what cpu_matmul uses)
// picks avx512vnni, else avx2, else scalar, by what the host has; tests and
// benchmarks force one set to compare them.
//  - `avx2`: prefill (M > 1) of Q4_0 and Q8_0 runs the register-blocked AVX2
//    tiles (matmul_tile.h), bit-identical to the per-row kernels.
//  - `avx512vnni`: prefill (M > 1) of Q4_0, Q8_0, Q4_K and Q6_K runs the
//    register-blocked AVX-512 VNNI tiles (matmul_tile.h), bit-identical to
//    `avx2`; everything else runs the `avx2` kernels.
enum class matmul_kernels { automatic, scalar, avx2, avx512vnni };

// cpu_matmul with an explicit kernel set. Throws std::runtime_error for
// `avx2` on a host without AVX2, FMA and F16C, and for `avx512vnni` on a host
// without those and AVX-512 F/BW/VL/VNNI.
void cpu_matmul(thread_pool& pool, matmul_workspace& ws, tensor_type type, const void* W, int64_t N, int64_t K,
                const float* X, int64_t M, float* Y, int64_t ldy, matmul_kernels kernels);

// Whether the host can run the `avx2` kernel set.
bool cpu_matmul_has_avx2();

// Whether the host can run the `avx512vnni` kernel set.
bool cpu_matmul_has_avx512vnni();

// The format activations are converted to for weights of `type` (spec §2.5):
// F32, F16, BF16, Q8_0, Q8_1 or Q8_K. Throws std::invalid_argument if
// !cpu_matmul_supports(type).
tensor_type matmul_activation_type(tensor_type type);

// Converts n float32 activations (n a multiple of the format's block size) to
// `activation_type` exactly as cpu_matmul does (backend/cpu/activation_quantize.h).
void convert_matmul_activations(tensor_type activation_type, const float* x, void* out, int64_t n);

} // namespace llava
