// e^x for 16 floats, computed as llama.cpp's CPU backend computes it on
// AVX-512: x = n·ln2 + b with n = round(x / ln2) (ln2 in two parts), e^b by a
// degree-5 polynomial, then scaled by 2^n with scalef; |n| > 192 saturates to
// +inf or 0. It differs from libm's expf in the last bit now and then, and the
// decoder's softmax and SiLU feed 8-bit activation rounding, so they use this
// to round the way llama.cpp does. Include only from -mavx512f/-mavx512dq files.
#pragma once

#include <cmath>
#include <immintrin.h>

namespace llava {

inline __m512 exp_ps_avx512(__m512 x) {
    const __m512 round_shift = _mm512_set1_ps(0x1.8p23f); // adding it rounds to an integer
    const __m512 shifted = _mm512_fmadd_ps(x, _mm512_set1_ps(0x1.715476p+0f), round_shift);
    const __m512 n = _mm512_sub_ps(shifted, round_shift);
    const __m512 b = _mm512_fnmadd_ps(n, _mm512_set1_ps(0x1.7f7d1cp-20f),
                                      _mm512_fnmadd_ps(n, _mm512_set1_ps(0x1.62e4p-1f), x));
    const __m512 b2 = _mm512_mul_ps(b, b);
    const __m512 high = _mm512_fmadd_ps(_mm512_fmadd_ps(_mm512_set1_ps(0x1.0e4020p-7f), b, _mm512_set1_ps(0x1.573e2ep-5f)),
                                        b2,
                                        _mm512_fmadd_ps(_mm512_set1_ps(0x1.555e66p-3f), b, _mm512_set1_ps(0x1.fffdb6p-2f)));
    const __m512 poly = _mm512_fmadd_ps(high, b2, _mm512_fmadd_ps(_mm512_set1_ps(0x1.ffffecp-1f), b, _mm512_set1_ps(1.0f)));
    const __m512 result = _mm512_maskz_scalef_ps(0xffff, poly, n); // maskz: GCC warns on the plain form's undefined operand
    const __mmask16 saturated = _mm512_cmp_ps_mask(_mm512_abs_ps(n), _mm512_set1_ps(192.0f), _CMP_GT_OQ);
    if (saturated == 0) return result;
    const __mmask16 below = _mm512_cmp_ps_mask(n, _mm512_setzero_ps(), _CMP_LE_OQ);
    const __m512 limit = _mm512_mask_blend_ps(below, _mm512_set1_ps(INFINITY), _mm512_setzero_ps());
    return _mm512_mask_blend_ps(saturated, result, limit);
}

} // namespace llava
