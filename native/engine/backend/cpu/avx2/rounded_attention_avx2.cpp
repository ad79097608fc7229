// The AVX2 kernels of llama.cpp-exact f16 attention (contract in
// attention_kernels.h): as rounded_attention_avx512.cpp, with the 8-lane
// groupings of llama.cpp's AVX2 build. Its three horizontal sums differ in
// tree shape: the GEMM's and the softmax's fold halves first, then pairs
// (0+2, 1+3); the dot product's folds halves, then adjacent pairs (hadd).
#include "backend/cpu/attention_kernels.h"
#include "backend/cpu/rounded_attention_scores.h"
#include "backend/cpu/avx2/exp_avx2.h"
#include "backend/cpu/avx2/horizontal_avx2.h"

#include <algorithm>
#include <cstring>
#include <limits>
#include <vector>

namespace llava {

namespace {

// 8 f16 values widened to f32; lanes from n on are zero and not read.
inline __m256 load8_f16(const uint16_t* p, int64_t n = 8) {
    if (n >= 8) return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(p)));
    uint16_t buf[8] = {};
    std::memcpy(buf, p, static_cast<size_t>(n) * sizeof(uint16_t));
    return _mm256_cvtph_ps(_mm_loadu_si128(reinterpret_cast<const __m128i*>(buf)));
}

// The dot product's final sum: halves, then adjacent pairs twice.
inline float reduce_dot_order(__m256 v) {
    const __m128 halves = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    const __m128 pairs = _mm_hadd_ps(halves, halves);
    return _mm_cvtss_f32(_mm_hadd_ps(pairs, pairs));
}

// Its f16 dot product of one row: four 8-lane accumulators over 32-element
// steps, folded (0+2, 1+3, then together) and reduced; the tail in double.
float dot_f16_order(const float* q, const uint16_t* k, int64_t n) {
    const int64_t steps = n / 32 * 32;
    __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
    for (int64_t i = 0; i < steps; i += 32) {
        for (int j = 0; j < 4; ++j) acc[j] = _mm256_fmadd_ps(load8_f16(k + i + 8 * j), _mm256_loadu_ps(q + i + 8 * j), acc[j]);
    }
    acc[0] = _mm256_add_ps(acc[0], acc[2]);
    acc[1] = _mm256_add_ps(acc[1], acc[3]);
    double sum = reduce_dot_order(_mm256_add_ps(acc[0], acc[1]));
    for (int64_t i = steps; i < n; ++i) sum += static_cast<double>(_cvtsh_ss(k[i]) * q[i]);
    return static_cast<float>(sum);
}

// Its f16 GEMM's sum for one output: one 8-lane accumulator over 8-element steps.
float dot_gemm_order(const float* q, const uint16_t* k, int64_t n) {
    __m256 acc = _mm256_setzero_ps();
    for (int64_t i = 0; i < n; i += 8) acc = _mm256_fmadd_ps(load8_f16(k + i), _mm256_loadu_ps(q + i), acc);
    return hsum_f32x8(acc);
}

void softmax(float* s, int64_t n_valid, float scale) {
    float max = -std::numeric_limits<float>::infinity();
    for (int64_t j = 0; j < n_valid; ++j) {
        s[j] *= scale;
        max = std::max(max, s[j]);
    }
    // 8 keys at a time from key 0; masked keys beyond n_valid count as e^-inf = 0.
    const __m256 shift = _mm256_set1_ps(max);
    double sum = 0.0;
    for (int64_t j = 0; j < n_valid; j += 8) {
        const int64_t n = std::min<int64_t>(8, n_valid - j);
        alignas(32) float chunk[8];
        for (int64_t t = 0; t < 8; ++t) chunk[t] = t < n ? s[j + t] : -std::numeric_limits<float>::infinity();
        const __m256 e = exp_ps_avx2(_mm256_sub_ps(_mm256_load_ps(chunk), shift));
        _mm256_store_ps(chunk, e);
        // exp_ps_avx2(-inf) is 0, as in llama.cpp's masked row.
        for (int64_t t = 0; t < n; ++t) s[j + t] = chunk[t];
        sum += static_cast<double>(hsum_f32x8(e));
    }
    const float norm = static_cast<float>(1.0 / sum);
    for (int64_t j = 0; j < n_valid; ++j) s[j] = _cvtsh_ss(_cvtss_sh(s[j] * norm, _MM_FROUND_TO_NEAREST_INT));
}

// As in the AVX-512 file: key j feeds lane j % lanes (8 for the GEMM order, 32
// for the dot-product order) of each output dimension's accumulators.
void accumulate_lanes(const float* p, const uint16_t* v, int64_t kv_stride, int64_t n_keys, int64_t head_dim,
                      int64_t lanes, std::vector<float>& acc) {
    const int64_t d_vecs = (head_dim + 7) / 8;
    acc.assign(static_cast<size_t>(lanes * d_vecs * 8), 0.0f);
    for (int64_t j = 0; j < n_keys; ++j) {
        const __m256 pj = _mm256_set1_ps(p[j]);
        const uint16_t* vj = v + j * kv_stride;
        float* a = acc.data() + (j % lanes) * d_vecs * 8;
        for (int64_t dv = 0; dv < d_vecs; ++dv) {
            const __m256 sum = _mm256_fmadd_ps(load8_f16(vj + 8 * dv, head_dim - 8 * dv), pj, _mm256_loadu_ps(a + 8 * dv));
            _mm256_storeu_ps(a + 8 * dv, sum);
        }
    }
}

inline __m256 lane(const float* a, int64_t i, int64_t stride) { return _mm256_loadu_ps(a + i * stride); }

void weighted_sum(const float* p, int64_t ldp, int64_t n_rows, const uint16_t* v, int64_t kv_stride, int64_t n_keys,
                  int64_t head_dim, float* out, int64_t ldout, bool single_position) {
    thread_local std::vector<float> acc;
    const int64_t d_vecs = (head_dim + 7) / 8;
    const int64_t stride = d_vecs * 8; // between lanes
    for (int64_t r = 0; r < n_rows; ++r) {
        accumulate_lanes(p + r * ldp, v, kv_stride, n_keys, head_dim, single_position ? 32 : 8, acc);
        float* o = out + r * ldout;
        for (int64_t dv = 0; dv < d_vecs; ++dv) {
            const float* a = acc.data() + dv * 8;
            __m256 folded;
            if (single_position) {
                // Lane t of accumulator g holds keys ≡ 8g + t (mod 32); (0+2) + (1+3),
                // then halves, then adjacent pairs twice.
                __m256 x[8];
                for (int t = 0; t < 8; ++t) {
                    x[t] = _mm256_add_ps(_mm256_add_ps(lane(a, t, stride), lane(a, 16 + t, stride)),
                                         _mm256_add_ps(lane(a, 8 + t, stride), lane(a, 24 + t, stride)));
                }
                __m256 h[4];
                for (int t = 0; t < 4; ++t) h[t] = _mm256_add_ps(x[t], x[4 + t]);
                folded = _mm256_add_ps(_mm256_add_ps(h[0], h[1]), _mm256_add_ps(h[2], h[3]));
            } else {
                // Halves, then 0+2 and 1+3, then the two.
                __m256 h[4];
                for (int t = 0; t < 4; ++t) h[t] = _mm256_add_ps(lane(a, t, stride), lane(a, 4 + t, stride));
                folded = _mm256_add_ps(_mm256_add_ps(h[0], h[2]), _mm256_add_ps(h[1], h[3]));
            }
            const int64_t n = std::min<int64_t>(8, head_dim - 8 * dv);
            alignas(32) float tmp[8];
            _mm256_store_ps(tmp, folded);
            std::memcpy(o + 8 * dv, tmp, static_cast<size_t>(n) * sizeof(float));
        }
    }
}

} // namespace

const rounded_attention_kernels& rounded_attention_kernels_avx2() {
    static const rounded_attention_kernels kernels = {rounded_scores<dot_gemm_order, dot_f16_order, 8>, softmax,
                                                         weighted_sum};
    return kernels;
}

} // namespace llava
