// Horizontal sums of one 16-lane AVX-512 register, shared by the AVX-512
// kernels. Include only from files compiled with -mavx512f.
#pragma once

#include <immintrin.h>

namespace llava {

// The sum of the 16 lanes in the order GCC's _mm512_reduce_add_ps uses (and
// so llama.cpp's GCC-built kernels): halves, then quarters, then pairs.
inline float reduce_add_avx512(__m512 v) {
    const __m256 low = _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xff, _mm512_castps_pd(v), 0));
    const __m256 high = _mm256_castpd_ps(_mm512_maskz_extractf64x4_pd(0xff, _mm512_castps_pd(v), 1));
    const __m256 eights = _mm256_add_ps(high, low);
    const __m128 fours = _mm_add_ps(_mm256_extractf128_ps(eights, 1), _mm256_castps256_ps128(eights));
    const __m128 twos = _mm_add_ps(fours, _mm_shuffle_ps(fours, fours, _MM_SHUFFLE(1, 0, 3, 2)));
    return _mm_cvtss_f32(twos) + _mm_cvtss_f32(_mm_shuffle_ps(twos, twos, _MM_SHUFFLE(1, 1, 1, 1)));
}

} // namespace llava
