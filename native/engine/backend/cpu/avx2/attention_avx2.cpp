// AVX2/FMA block kernels for cpu_attention_f32 (see attention_kernels.h for
// the contract and attention.cpp for the scalar twins). f16 keys and values
// take rounded_attention_avx2.cpp instead, which follows llama.cpp's orders.
#include "backend/cpu/avx2/horizontal_avx2.h"
#include "backend/cpu/attention_kernels.h"

#include <algorithm>
#include <cstring>
#include <immintrin.h>
#include <limits>

namespace llava {

namespace {

// ---------------------------------------------------------------------------
// Loads of 8 elements as f32: whole vectors, and the last n < 8 elements of a
// row, zero-filled so nothing past the row (possibly past the buffer) is read.

inline __m256 load8(const float* x) { return _mm256_loadu_ps(x); }
template <typename T>
inline __m256 load_partial(const T* x, int64_t n) {
    T buf[8] = {};
    std::memcpy(buf, x, static_cast<size_t>(n) * sizeof(T));
    return load8(buf);
}

// Horizontal sums of eight vectors at once: result lane i = Σ lanes of a[i].
inline __m256 reduce8(const __m256 a[8]) {
    // After two rounds of hadd, each 128-bit half holds four partial sums:
    // u0 = [a0 a1 a2 a3 | a0 a1 a2 a3] (low / high halves of each input).
    const __m256 t0 = _mm256_hadd_ps(a[0], a[1]);
    const __m256 t1 = _mm256_hadd_ps(a[2], a[3]);
    const __m256 t2 = _mm256_hadd_ps(a[4], a[5]);
    const __m256 t3 = _mm256_hadd_ps(a[6], a[7]);
    const __m256 u0 = _mm256_hadd_ps(t0, t1);
    const __m256 u1 = _mm256_hadd_ps(t2, t3);
    return _mm256_add_ps(_mm256_permute2f128_ps(u0, u1, 0x20), _mm256_permute2f128_ps(u0, u1, 0x31));
}

// e^x, within about 1 ulp of expf on the range used here (x <= 0). Range
// reduction x = n·ln2 + r with |r| <= ln2/2, then the degree-7 Taylor
// polynomial of e^r (truncation error r^8/8! < 5.3e-9, below f32 rounding),
// then a scale by 2^n built in the exponent field. Below ln(2^-126) the
// result flushes to 0, which also makes e^-inf = 0; NaN stays NaN.
inline __m256 exp8(__m256 x) {
    const __m256 lowest = _mm256_set1_ps(-87.33654f);  // ln(2^-126): smallest normal result
    // max/min return their second operand when either is NaN: keeps NaN.
    const __m256 xc = _mm256_min_ps(_mm256_set1_ps(88.0f), _mm256_max_ps(lowest, x));
    const __m256 n = _mm256_round_ps(_mm256_mul_ps(xc, _mm256_set1_ps(1.44269504088896341f)),
                                     _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
    // ln2 split in two so n·ln2_hi is exact and r keeps its low bits.
    __m256 r = _mm256_fnmadd_ps(n, _mm256_set1_ps(0.693145751953125f), xc);
    r = _mm256_fnmadd_ps(n, _mm256_set1_ps(1.428606765330187e-06f), r);
    __m256 poly = _mm256_set1_ps(1.0f / 5040.0f);
    poly = _mm256_fmadd_ps(poly, r, _mm256_set1_ps(1.0f / 720.0f));
    poly = _mm256_fmadd_ps(poly, r, _mm256_set1_ps(1.0f / 120.0f));
    poly = _mm256_fmadd_ps(poly, r, _mm256_set1_ps(1.0f / 24.0f));
    poly = _mm256_fmadd_ps(poly, r, _mm256_set1_ps(1.0f / 6.0f));
    poly = _mm256_fmadd_ps(poly, r, _mm256_set1_ps(0.5f));
    poly = _mm256_fmadd_ps(poly, r, _mm256_set1_ps(1.0f));
    poly = _mm256_fmadd_ps(poly, r, _mm256_set1_ps(1.0f));
    // n is in [-126, 127] after the clamp: 2^n is a normal float.
    const __m256i biased = _mm256_add_epi32(_mm256_cvtps_epi32(n), _mm256_set1_epi32(127));
    const __m256 result = _mm256_mul_ps(poly, _mm256_castsi256_ps(_mm256_slli_epi32(biased, 23)));
    return _mm256_andnot_ps(_mm256_cmp_ps(x, lowest, _CMP_LT_OQ), result);
}

// ---------------------------------------------------------------------------
// Scores. The micro-kernel computes NR rows × NK keys (8 dot products, one
// accumulator each) so every q and k vector loaded feeds several FMAs. Keys
// past n_keys repeat the last key (a valid row) and their results are dropped.

template <int NR, int NK, typename T>
inline void scores_micro(const float* q, int64_t ldq, const T* k, int64_t kv_stride, int64_t j0, int64_t n_keys,
                         int64_t head_dim, float* s, int64_t lds) {
    static_assert(NR * NK == 8, "reduce8 needs eight accumulators");
    const T* kj[NK];
    for (int i = 0; i < NK; ++i) kj[i] = k + std::min(j0 + i, n_keys - 1) * kv_stride;
    __m256 acc[8];
    for (int i = 0; i < 8; ++i) acc[i] = _mm256_setzero_ps();

    int64_t d = 0;
    for (; d + 8 <= head_dim; d += 8) {
        __m256 kv[NK];
        for (int i = 0; i < NK; ++i) kv[i] = load8(kj[i] + d);
        for (int r = 0; r < NR; ++r) {
            const __m256 qv = _mm256_loadu_ps(q + r * ldq + d);
            for (int i = 0; i < NK; ++i) acc[r * NK + i] = _mm256_fmadd_ps(qv, kv[i], acc[r * NK + i]);
        }
    }
    if (d < head_dim) {
        // q is zero-padded to a multiple of 8; only k needs a partial load.
        __m256 kv[NK];
        for (int i = 0; i < NK; ++i) kv[i] = load_partial(kj[i] + d, head_dim - d);
        for (int r = 0; r < NR; ++r) {
            const __m256 qv = _mm256_loadu_ps(q + r * ldq + d);
            for (int i = 0; i < NK; ++i) acc[r * NK + i] = _mm256_fmadd_ps(qv, kv[i], acc[r * NK + i]);
        }
    }

    alignas(32) float dots[8];
    _mm256_store_ps(dots, reduce8(acc));
    const int64_t nk_valid = std::min<int64_t>(NK, n_keys - j0);
    for (int r = 0; r < NR; ++r) {
        for (int64_t i = 0; i < nk_valid; ++i) s[r * lds + j0 + i] = dots[r * NK + i];
    }
}

template <typename T>
void scores_avx2(const float* q, int64_t ldq, int64_t n_rows, const T* k, int64_t kv_stride, int64_t n_keys,
                 int64_t head_dim, float* s, int64_t lds) {
    // Groups of 4 rows × 2 keys: 2 k + 4 q loads per 8 FMAs.
    int64_t r = 0;
    for (; r + 4 <= n_rows; r += 4) {
        for (int64_t j = 0; j < n_keys; j += 2) {
            scores_micro<4, 2>(q + r * ldq, ldq, k, kv_stride, j, n_keys, head_dim, s + r * lds, lds);
        }
    }
    // Leftover rows (all of them when decoding with one query per kv head):
    // 1 row × 8 keys, eight independent dot products in flight.
    for (; r < n_rows; ++r) {
        for (int64_t j = 0; j < n_keys; j += 8) {
            scores_micro<1, 8>(q + r * ldq, ldq, k, kv_stride, j, n_keys, head_dim, s + r * lds, lds);
        }
    }
}

// ---------------------------------------------------------------------------
// Value accumulation. The micro-kernel holds an NR rows × (NC·8) dims block of
// acc in registers across all keys of the block; each v vector loaded feeds
// NR FMAs. TAIL: the last head_dim % 8 dims, read with a partial load (acc is
// padded, so its full vector is written).

template <int NR, int NC, bool TAIL, typename T>
inline void accumulate_micro(const float* p, int64_t ldp, const T* v, int64_t kv_stride, int64_t n_keys,
                             int64_t n_tail, float* acc, int64_t ldacc) {
    __m256 a[NR * NC];
    for (int r = 0; r < NR; ++r) {
        for (int c = 0; c < NC; ++c) a[r * NC + c] = _mm256_loadu_ps(acc + r * ldacc + c * 8);
    }
    for (int64_t j = 0; j < n_keys; ++j) {
        const T* vj = v + j * kv_stride;
        __m256 vv[NC];
        for (int c = 0; c < NC; ++c) vv[c] = TAIL ? load_partial(vj, n_tail) : load8(vj + c * 8);
        for (int r = 0; r < NR; ++r) {
            const __m256 pr = _mm256_broadcast_ss(p + r * ldp + j);
            for (int c = 0; c < NC; ++c) a[r * NC + c] = _mm256_fmadd_ps(pr, vv[c], a[r * NC + c]);
        }
    }
    for (int r = 0; r < NR; ++r) {
        for (int c = 0; c < NC; ++c) _mm256_storeu_ps(acc + r * ldacc + c * 8, a[r * NC + c]);
    }
}

template <int NR, typename T>
inline void accumulate_rows(const float* p, int64_t ldp, const T* v, int64_t kv_stride, int64_t n_keys,
                            int64_t head_dim, float* acc, int64_t ldacc) {
    // Eight accumulators: enough independent FMA chains to hide their latency
    // when a single row (decoding) gets no reuse of v across rows.
    constexpr int NC = 8 / NR;
    int64_t d = 0;
    for (; d + NC * 8 <= head_dim; d += NC * 8) {
        accumulate_micro<NR, NC, false>(p, ldp, v + d, kv_stride, n_keys, 0, acc + d, ldacc);
    }
    for (; d + 8 <= head_dim; d += 8) {
        accumulate_micro<NR, 1, false>(p, ldp, v + d, kv_stride, n_keys, 0, acc + d, ldacc);
    }
    if (d < head_dim) {
        accumulate_micro<NR, 1, true>(p, ldp, v + d, kv_stride, n_keys, head_dim - d, acc + d, ldacc);
    }
}

template <typename T>
void accumulate_avx2(const float* p, int64_t ldp, int64_t n_rows, const T* v, int64_t kv_stride, int64_t n_keys,
                     int64_t head_dim, float* acc, int64_t ldacc) {
    int64_t r = 0;
    for (; r + 4 <= n_rows; r += 4) {
        accumulate_rows<4>(p + r * ldp, ldp, v, kv_stride, n_keys, head_dim, acc + r * ldacc, ldacc);
    }
    for (; r < n_rows; ++r) {
        accumulate_rows<1>(p + r * ldp, ldp, v, kv_stride, n_keys, head_dim, acc + r * ldacc, ldacc);
    }
}

// ---------------------------------------------------------------------------
// Softmax pieces.

float scale_max_avx2(float* s, int64_t n, float scale) {
    const __m256 vscale = _mm256_set1_ps(scale);
    __m256 vmax = _mm256_set1_ps(-std::numeric_limits<float>::infinity());
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
        const __m256 x = _mm256_mul_ps(_mm256_loadu_ps(s + j), vscale);
        _mm256_storeu_ps(s + j, x);
        vmax = _mm256_max_ps(vmax, x);
    }
    float max = hmax_f32x8(vmax);
    for (; j < n; ++j) {
        s[j] *= scale;
        max = std::max(max, s[j]);
    }
    return max;
}

float exp_sum_avx2(float* s, int64_t n, float shift) {
    const __m256 vshift = _mm256_set1_ps(shift);
    __m256 vsum = _mm256_setzero_ps();
    int64_t j = 0;
    for (; j + 8 <= n; j += 8) {
        const __m256 e = exp8(_mm256_sub_ps(_mm256_loadu_ps(s + j), vshift));
        _mm256_storeu_ps(s + j, e);
        vsum = _mm256_add_ps(vsum, e);
    }
    if (j < n) {
        // The tail padded with -inf, whose exponential is 0.
        alignas(32) float tail[8];
        std::fill(tail, tail + 8, -std::numeric_limits<float>::infinity());
        std::memcpy(tail, s + j, static_cast<size_t>(n - j) * sizeof(float));
        const __m256 e = exp8(_mm256_sub_ps(_mm256_load_ps(tail), vshift));
        _mm256_store_ps(tail, e);
        std::memcpy(s + j, tail, static_cast<size_t>(n - j) * sizeof(float));
        vsum = _mm256_add_ps(vsum, e);
    }
    return hsum_f32x8(vsum);
}

} // namespace

const attention_kernels& attention_kernels_avx2() {
    static const attention_kernels kernels = {nullptr, scores_avx2<float>, nullptr, accumulate_avx2<float>, scale_max_avx2,
                                              exp_sum_avx2};
    return kernels;
}

} // namespace llava
