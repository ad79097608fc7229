// The AVX-512 kernels of llama.cpp-exact f16 attention (contract in
// attention_kernels.h). Every sum below keeps llama.cpp's grouping: which
// products share an accumulator lane, in which order they are added, and the
// tree that folds the lanes at the end; an FMA where it uses one.
#include "backend/cpu/attention_kernels.h"
#include "backend/cpu/rounded_attention_scores.h"
#include "backend/cpu/avx512/exp_avx512.h"
#include "backend/cpu/avx512/horizontal_avx512.h"

#include <algorithm>
#include <limits>
#include <vector>

namespace llava {

namespace {

// 16 f16 values widened to f32; lanes from n on are zero and not read.
inline __m512 load16_f16(const uint16_t* p, int64_t n = 16) {
    const __mmask16 m = n >= 16 ? __mmask16(0xffff) : __mmask16((1u << n) - 1);
    return _mm512_maskz_cvtph_ps(0xffff, _mm256_maskz_loadu_epi16(m, p));
}

// Its f16 dot product of one row: four 16-lane accumulators over 64-element
// steps, folded (0+2, 1+3, then together) and reduced; the tail past the last
// whole step is added in double, one product at a time.
float dot_f16_order(const float* q, const uint16_t* k, int64_t n) {
    const int64_t steps = n / 64 * 64;
    __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    for (int64_t i = 0; i < steps; i += 64) {
        for (int j = 0; j < 4; ++j) acc[j] = _mm512_fmadd_ps(load16_f16(k + i + 16 * j), _mm512_loadu_ps(q + i + 16 * j), acc[j]);
    }
    acc[0] = _mm512_add_ps(acc[0], acc[2]);
    acc[1] = _mm512_add_ps(acc[1], acc[3]);
    double sum = reduce_add_avx512(_mm512_add_ps(acc[0], acc[1]));
    for (int64_t i = steps; i < n; ++i) {
        sum += static_cast<double>(_cvtsh_ss(k[i]) * q[i]);
    }
    return static_cast<float>(sum);
}

// Its f16 GEMM's sum for one output: one 16-lane accumulator over 16-element steps.
float dot_gemm_order(const float* q, const uint16_t* k, int64_t n) {
    __m512 acc = _mm512_setzero_ps();
    for (int64_t i = 0; i < n; i += 16) acc = _mm512_fmadd_ps(load16_f16(k + i), _mm512_loadu_ps(q + i), acc);
    return reduce_add_avx512(acc);
}

void softmax(float* s, int64_t n_valid, float scale) {
    float max = -std::numeric_limits<float>::infinity();
    for (int64_t j = 0; j < n_valid; ++j) {
        s[j] *= scale;
        max = std::max(max, s[j]);
    }
    // 16 keys at a time from key 0; llama.cpp's row runs on over masked keys
    // (e^-inf = 0), which is what the zero lanes of a partial chunk stand for.
    const __m512 shift = _mm512_set1_ps(max);
    double sum = 0.0;
    for (int64_t j = 0; j < n_valid; j += 16) {
        const int64_t n = std::min<int64_t>(16, n_valid - j);
        const __mmask16 m = n == 16 ? __mmask16(0xffff) : __mmask16((1u << n) - 1);
        const __m512 e = _mm512_maskz_mov_ps(m, exp_ps_avx512(_mm512_sub_ps(_mm512_maskz_loadu_ps(m, s + j), shift)));
        _mm512_mask_storeu_ps(s + j, m, e);
        sum += static_cast<double>(reduce_add_avx512(e));
    }
    const __m512 norm = _mm512_set1_ps(static_cast<float>(1.0 / sum));
    for (int64_t j = 0; j < n_valid; j += 16) {
        const int64_t n = std::min<int64_t>(16, n_valid - j);
        const __mmask16 m = n == 16 ? __mmask16(0xffff) : __mmask16((1u << n) - 1);
        const __m512 p = _mm512_mul_ps(_mm512_maskz_loadu_ps(m, s + j), norm);
        const __m512 rounded =
            _mm512_maskz_cvtph_ps(0xffff, _mm512_maskz_cvtps_ph(0xffff, p, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC));
        _mm512_mask_storeu_ps(s + j, m, rounded);
    }
}

// The value sum for one row with `lanes` accumulator lanes per output
// dimension (16 for the GEMM order, 64 for the dot-product order): key j goes
// to lane j % lanes, in key order. acc holds lanes × d_vecs vectors.
void accumulate_lanes(const float* p, const uint16_t* v, int64_t kv_stride, int64_t n_keys, int64_t head_dim,
                      int64_t lanes, std::vector<float>& acc) {
    const int64_t d_vecs = (head_dim + 15) / 16;
    acc.assign(static_cast<size_t>(lanes * d_vecs * 16), 0.0f);
    for (int64_t j = 0; j < n_keys; ++j) {
        const __m512 pj = _mm512_set1_ps(p[j]);
        const uint16_t* vj = v + j * kv_stride;
        float* a = acc.data() + (j % lanes) * d_vecs * 16;
        for (int64_t dv = 0; dv < d_vecs; ++dv) {
            const __m512 sum = _mm512_fmadd_ps(load16_f16(vj + 16 * dv, head_dim - 16 * dv), pj, _mm512_loadu_ps(a + 16 * dv));
            _mm512_storeu_ps(a + 16 * dv, sum);
        }
    }
}

// Folds 16 lanes (each a vector over output dimensions, `stride` floats
// apart) with the tree of reduce_add_avx512.
__m512 fold16(const float* lane, int64_t stride) {
    __m512 eights[8];
    for (int i = 0; i < 8; ++i) {
        eights[i] = _mm512_add_ps(_mm512_loadu_ps(lane + (8 + i) * stride), _mm512_loadu_ps(lane + i * stride));
    }
    __m512 fours[4];
    for (int i = 0; i < 4; ++i) fours[i] = _mm512_add_ps(eights[4 + i], eights[i]);
    return _mm512_add_ps(_mm512_add_ps(fours[0], fours[2]), _mm512_add_ps(fours[1], fours[3]));
}

void weighted_sum(const float* p, int64_t ldp, int64_t n_rows, const uint16_t* v, int64_t kv_stride, int64_t n_keys,
                  int64_t head_dim, float* out, int64_t ldout, bool single_position) {
    thread_local std::vector<float> acc;
    const int64_t d_vecs = (head_dim + 15) / 16;
    const int64_t lanes = single_position ? 64 : 16;
    for (int64_t r = 0; r < n_rows; ++r) {
        accumulate_lanes(p + r * ldp, v, kv_stride, n_keys, head_dim, lanes, acc);
        float* o = out + r * ldout;
        for (int64_t dv = 0; dv < d_vecs; ++dv) {
            const float* a = acc.data() + dv * 16;
            const int64_t stride = d_vecs * 16; // between lanes
            __m512 folded;
            if (single_position) {
                // Dot-product order: lane j of accumulator g holds keys ≡ 16g + j (mod 64);
                // the four accumulators fold as (0+2) + (1+3) before the tree.
                alignas(64) float combined[16 * 16];
                for (int j = 0; j < 16; ++j) {
                    const __m512 a02 = _mm512_add_ps(_mm512_loadu_ps(a + j * stride), _mm512_loadu_ps(a + (32 + j) * stride));
                    const __m512 a13 = _mm512_add_ps(_mm512_loadu_ps(a + (16 + j) * stride), _mm512_loadu_ps(a + (48 + j) * stride));
                    _mm512_store_ps(combined + 16 * j, _mm512_add_ps(a02, a13));
                }
                folded = fold16(combined, 16);
            } else {
                folded = fold16(a, stride);
            }
            const int64_t n = std::min<int64_t>(16, head_dim - 16 * dv);
            _mm512_mask_storeu_ps(o + 16 * dv, n == 16 ? __mmask16(0xffff) : __mmask16((1u << n) - 1), folded);
        }
    }
}

} // namespace

const rounded_attention_kernels& rounded_attention_kernels_avx512() {
    static const rounded_attention_kernels kernels = {rounded_scores<dot_gemm_order, dot_f16_order, 16>, softmax,
                                                         weighted_sum};
    return kernels;
}

} // namespace llava
