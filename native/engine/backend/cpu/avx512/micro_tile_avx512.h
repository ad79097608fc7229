// The loop shared by the AVX-512 prefill kernels (matmul_tile.h): walks a tile
// in micro-tiles of R activation rows × C weight rows and lets a kernel compute
// each micro-tile's R×C outputs with its accumulators in registers.
//
// At the bottom and right edges a micro-tile is completed by repeating the
// last activation / weight row; those extra outputs are computed and dropped,
// so kernels never see a partial micro-tile. Include only from files compiled
// with the avx512 flags of native/sources.json.
#pragma once

#include "backend/cpu/matmul_tile.h"
#include "backend/cpu/avx2/horizontal_avx2.h"
#include "backend/cpu/avx2/int8_dot_avx2.h"

#include <algorithm>
#include <cstdint>
#include <immintrin.h>

namespace llava {

// GCC 12's unmasked forms of several AVX-512 intrinsics used below (insert,
// extract, broadcast, cvtdq2ps, and the 256↔512 casts built on them) start
// from _mm512_undefined_*() and trip -Wuninitialized; the masked forms used
// instead compile to the same instructions.

// The kernels keep two weight rows per 512-bit register: the low 256 bits for
// the even one, the high 256 bits for the odd one, each laid out exactly as
// the AVX2 dot product's 256-bit register for that row.
inline __m512i pair_halves(__m256i even, __m256i odd) {
    return _mm512_mask_broadcast_i64x4(_mm512_maskz_broadcast_i64x4(0x0f, even), 0xf0, odd);
}

inline __m512 pair_f32x16(float even, float odd) {
    return _mm512_castsi512_ps(pair_halves(_mm256_castps_si256(_mm256_set1_ps(even)),
                                           _mm256_castps_si256(_mm256_set1_ps(odd))));
}

// The same 32 bytes in both halves (one activation block for both weight rows).
inline __m512i broadcast_i8x32(const void* p) {
    return _mm512_maskz_broadcast_i64x4(0xff, _mm256_loadu_si256(static_cast<const __m256i*>(p)));
}

inline __m256i low_half(__m512i v) { return _mm512_maskz_extracti64x4_epi64(0xf, v, 0); }
inline __m256i high_half(__m512i v) { return _mm512_maskz_extracti64x4_epi64(0xf, v, 1); }
inline __m256 low_f32x8(__m512 v) { return _mm256_castsi256_ps(low_half(_mm512_castps_si512(v))); }
inline __m256 high_f32x8(__m512 v) { return _mm256_castsi256_ps(high_half(_mm512_castps_si512(v))); }

inline __m512 cvt_i32_f32x16(__m512i v) { return _mm512_maskz_cvtepi32_ps(0xffff, v); }

} // namespace llava
