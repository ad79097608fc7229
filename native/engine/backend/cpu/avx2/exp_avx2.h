// e^x for 8 floats, computed as llama.cpp's CPU backend computes it on AVX2:
// the same range reduction and polynomial as exp_avx512.h, but 2^n is built
// in the exponent bits and applied with an FMA (e^x = 2^n + 2^n·(e^b − 1)),
// with a two-step scaling for |n| > 126 and saturation for |n| > 192. The last
// bit therefore differs from the AVX-512 version; each matches llama.cpp on
// its own kind of CPU. Include only from files compiled with -mavx2 -mfma.
#pragma once

#include <immintrin.h>

namespace llava {

inline __m256 exp_ps_avx2(__m256 x) {
    const __m256 round_shift = _mm256_set1_ps(0x1.8p23f);
    const __m256 shifted = _mm256_fmadd_ps(x, _mm256_set1_ps(0x1.715476p+0f), round_shift);
    const __m256 n = _mm256_sub_ps(shifted, round_shift);
    const __m256 b = _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.7f7d1cp-20f),
                                      _mm256_fnmadd_ps(n, _mm256_set1_ps(0x1.62e4p-1f), x));
    // 2^n: n sits in the low mantissa bits of `shifted`; moved to the exponent field.
    const __m256i exponent = _mm256_slli_epi32(_mm256_castps_si256(shifted), 23);
    const __m256 scale = _mm256_castsi256_ps(_mm256_add_epi32(exponent, _mm256_castps_si256(_mm256_set1_ps(1.0f))));
    const __m256 abs_n = _mm256_andnot_ps(_mm256_set1_ps(-0.0f), n);
    const __m256 large = _mm256_cmp_ps(abs_n, _mm256_set1_ps(126.0f), _CMP_GT_OQ);
    const __m256 b2 = _mm256_mul_ps(b, b);
    const __m256 poly = _mm256_fmadd_ps(
        _mm256_fmadd_ps(_mm256_fmadd_ps(_mm256_set1_ps(0x1.0e4020p-7f), b, _mm256_set1_ps(0x1.573e2ep-5f)), b2,
                        _mm256_fmadd_ps(_mm256_set1_ps(0x1.555e66p-3f), b, _mm256_set1_ps(0x1.fffdb6p-2f))),
        b2, _mm256_mul_ps(_mm256_set1_ps(0x1.ffffecp-1f), b)); // e^b − 1
    if (_mm256_movemask_ps(large) == 0) return _mm256_fmadd_ps(poly, scale, scale);
    // |n| > 126: 2^n is split into two factors so neither overflows.
    const __m256i split = _mm256_and_si256(_mm256_castps_si256(_mm256_cmp_ps(n, _mm256_setzero_ps(), _CMP_LE_OQ)),
                                           _mm256_set1_epi32(static_cast<int>(0x82000000u)));
    const __m256 s1 = _mm256_castsi256_ps(_mm256_add_epi32(split, _mm256_set1_epi32(0x7f000000)));
    const __m256 s2 = _mm256_castsi256_ps(_mm256_sub_epi32(exponent, split));
    const __m256 saturated = _mm256_cmp_ps(abs_n, _mm256_set1_ps(192.0f), _CMP_GT_OQ);
    const __m256 scaled = _mm256_blendv_ps(_mm256_fmadd_ps(scale, poly, scale),
                                           _mm256_mul_ps(_mm256_fmadd_ps(s2, poly, s2), s1), large);
    return _mm256_blendv_ps(scaled, _mm256_mul_ps(s1, s1), saturated);
}

} // namespace llava
