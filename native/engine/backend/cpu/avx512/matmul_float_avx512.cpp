// F32 and F16 weights in the orders of llama.cpp's AVX-512 build, so their
// products are llama.cpp's bit for bit:
//  - a batch of several activation rows (prefill) goes through its float
//    GEMM: per output one 16-lane accumulator, FMA over 16-element steps in
//    order, then GCC's reduce tree (reduce_add_avx512) — here register-blocked
//    over 4 activation rows × 4 weight rows, each output still its own chain;
//    K not a multiple of 16 takes the dot product instead, as llama.cpp does;
//  - one row (decode) goes through its dot product: four 16-lane accumulators
//    over 64-element steps, folded (0+2) + (1+3), reduced; the tail past the
//    last step added one product at a time (F32: FMA into a float; F16: into
//    a double).
// F16 activations arrive converted to f16 (its vec_dot_type), widened on load.
#include "backend/cpu/avx512/horizontal_avx512.h"
#include "backend/cpu/matmul_tile.h"
#include "backend/cpu/unaligned_load.h"
#include "backend/cpu/vec_dot.h"
#include "formats/half.h"

#include <cmath>
#include <immintrin.h>

namespace llava {

namespace {

inline __m512 load16(const float* p) { return _mm512_loadu_ps(p); }
inline __m512 load16(const uint16_t* p) {
    return _mm512_maskz_cvtph_ps(0xffff, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p)));
}
inline float widen(float v) { return v; }
inline float widen(uint16_t v) { return f16_to_f32(v); }

// The dot-product order; Sum is float (F32) or double (F16), as in llama.cpp.
template <typename T, typename Sum>
float dot_order(int64_t k, const T* a, const T* b) {
    const int64_t steps = k / 64 * 64;
    __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    for (int64_t i = 0; i < steps; i += 64) {
        for (int j = 0; j < 4; ++j) acc[j] = _mm512_fmadd_ps(load16(a + i + 16 * j), load16(b + i + 16 * j), acc[j]);
    }
    Sum sum = reduce_add_avx512(_mm512_add_ps(_mm512_add_ps(acc[0], acc[2]), _mm512_add_ps(acc[1], acc[3])));
    for (int64_t i = steps; i < k; ++i) {
        const float product_a = widen(load_unaligned<T>(a + i));
        const float product_b = widen(load_unaligned<T>(b + i));
        if constexpr (sizeof(Sum) == sizeof(float)) {
            sum = std::fma(product_a, product_b, sum);
        } else {
            sum += static_cast<double>(product_a * product_b);
        }
    }
    return static_cast<float>(sum);
}

constexpr int gemm_rows = 4; // activation rows per micro-tile
constexpr int gemm_cols = 4; // weight rows per micro-tile

// One micro-tile in the GEMM order: 16 independent accumulator chains.
template <typename T>
void gemm_micro_tile(int64_t k, const uint8_t* const* w, const uint8_t* const* x, float (*out)[gemm_cols]) {
    __m512 acc[gemm_rows][gemm_cols];
    for (auto& row : acc)
        for (auto& a : row) a = _mm512_setzero_ps();
    const T* wr[gemm_cols];
    const T* xr[gemm_rows];
    for (int c = 0; c < gemm_cols; ++c) wr[c] = reinterpret_cast<const T*>(w[c]);
    for (int r = 0; r < gemm_rows; ++r) xr[r] = reinterpret_cast<const T*>(x[r]);
    for (int64_t i = 0; i < k; i += 16) {
        __m512 wv[gemm_cols];
        for (int c = 0; c < gemm_cols; ++c) wv[c] = load16(wr[c] + i);
        for (int r = 0; r < gemm_rows; ++r) {
            const __m512 xv = load16(xr[r] + i);
            for (int c = 0; c < gemm_cols; ++c) acc[r][c] = _mm512_fmadd_ps(wv[c], xv, acc[r][c]);
        }
    }
    for (int r = 0; r < gemm_rows; ++r)
        for (int c = 0; c < gemm_cols; ++c) out[r][c] = reduce_add_avx512(acc[r][c]);
}

template <typename T, typename Sum>
void float_tile(const matmul_tile& t) {
    if (t.k % 16 != 0) {
        // llama.cpp's GEMM needs whole 16-element steps; it uses the dot product otherwise.
        for (int64_t r = 0; r < t.m; ++r) {
            for (int64_t c = 0; c < t.n; ++c) {
                t.y[r * t.ldy + c] = dot_order<T, Sum>(t.k, reinterpret_cast<const T*>(t.w + c * t.w_row_bytes),
                                                       reinterpret_cast<const T*>(t.x + r * t.x_row_bytes));
            }
        }
        return;
    }
    for_each_micro_tile<gemm_rows, gemm_cols>(t, gemm_micro_tile<T>);
}

} // namespace

float vec_dot_f32_f32_avx512(int64_t k, const void* w, const void* x) {
    return dot_order<float, float>(k, static_cast<const float*>(w), static_cast<const float*>(x));
}

float vec_dot_f16_f16_avx512(int64_t k, const void* w, const void* x) {
    return dot_order<uint16_t, double>(k, static_cast<const uint16_t*>(w), static_cast<const uint16_t*>(x));
}

void matmul_tile_f32_avx512(const matmul_tile& tile) { float_tile<float, float>(tile); }

void matmul_tile_f16_avx512(const matmul_tile& tile) { float_tile<uint16_t, double>(tile); }

} // namespace llava
