// The score loop both SIMD sets of llama.cpp-exact attention share
// (avx2/rounded_attention_avx2.cpp, avx512/rounded_attention_avx512.cpp): each
// supplies its two ways of summing one q·k, and llama.cpp's choice between
// them — its f16 GEMM needs several query positions and whole `lanes`-element
// steps, otherwise its f16 dot product runs — is made here once.
#pragma once

#include <cstdint>

namespace llava {

using rounded_dot_fn = float (*)(const float* q, const uint16_t* k, int64_t n);

template <rounded_dot_fn gemm_order, rounded_dot_fn dot_order, int64_t lanes>
void rounded_scores(const float* q, int64_t ldq, int64_t n_rows, const uint16_t* k, int64_t kv_stride, int64_t n_keys,
                    int64_t head_dim, float* s, int64_t lds, bool single_position) {
    const bool gemm = !single_position && head_dim % lanes == 0;
    for (int64_t j = 0; j < n_keys; ++j) {
        const uint16_t* kj = k + j * kv_stride;
        for (int64_t r = 0; r < n_rows; ++r) {
            s[r * lds + j] = gemm ? gemm_order(q + r * ldq, kj, head_dim) : dot_order(q + r * ldq, kj, head_dim);
        }
    }
}

} // namespace llava
