// F32 and F16 weights in llama.cpp's AVX2 float GEMM order (prefill): per
// output one 8-lane accumulator, FMA over 8-element steps in order, then the
// sum of the halves and (0+2) + (1+3) (hsum_f32x8) — register-blocked over
// 4 activation rows × 2 weight rows, each output its own chain. K not a
// multiple of 8 takes the dot product (vec_dot_float_avx2.cpp), as llama.cpp
// does. Decode uses that dot product too.
#include "backend/cpu/avx2/horizontal_avx2.h"
#include "backend/cpu/matmul_tile.h"
#include "backend/cpu/vec_dot.h"

#include <immintrin.h>

namespace llava {

namespace {

inline __m256 load8(const float* p) { return _mm256_loadu_ps(p); }
inline __m256 load8(const uint16_t* p) { return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p))); }

constexpr int gemm_rows = 4;
constexpr int gemm_cols = 2;

template <typename T>
void gemm_micro_tile(int64_t k, const uint8_t* const* w, const uint8_t* const* x, float (*out)[gemm_cols]) {
    __m256 acc[gemm_rows][gemm_cols];
    for (auto& row : acc)
        for (auto& a : row) a = _mm256_setzero_ps();
    for (int64_t i = 0; i < k; i += 8) {
        __m256 wv[gemm_cols];
        for (int c = 0; c < gemm_cols; ++c) wv[c] = load8(reinterpret_cast<const T*>(w[c]) + i);
        for (int r = 0; r < gemm_rows; ++r) {
            const __m256 xv = load8(reinterpret_cast<const T*>(x[r]) + i);
            for (int c = 0; c < gemm_cols; ++c) acc[r][c] = _mm256_fmadd_ps(wv[c], xv, acc[r][c]);
        }
    }
    for (int r = 0; r < gemm_rows; ++r)
        for (int c = 0; c < gemm_cols; ++c) out[r][c] = hsum_f32x8(acc[r][c]);
}

template <typename T>
void float_tile(const matmul_tile& t, vec_dot_fn dot) {
    if (t.k % 8 != 0) {
        for (int64_t r = 0; r < t.m; ++r)
            for (int64_t c = 0; c < t.n; ++c) t.y[r * t.ldy + c] = dot(t.k, t.w + c * t.w_row_bytes, t.x + r * t.x_row_bytes);
        return;
    }
    for_each_micro_tile<gemm_rows, gemm_cols>(t, gemm_micro_tile<T>);
}

} // namespace

void matmul_tile_f32_avx2(const matmul_tile& tile) { float_tile<float>(tile, vec_dot_f32_f32_avx2); }

void matmul_tile_f16_avx2(const matmul_tile& tile) { float_tile<uint16_t>(tile, vec_dot_f16_f16_avx2); }

} // namespace llava
