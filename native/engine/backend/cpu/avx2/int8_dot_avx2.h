// Building blocks shared by the AVX2 dot-product kernels (vec_dot_*_avx2.cpp):
// unpacking packed codes into 32 int8 lanes and exact integer dot products.
// Include only from files compiled with -mavx2 -mfma -mf16c.
#pragma once

#include "backend/cpu/avx2/horizontal_avx2.h"
#include "backend/cpu/unaligned_load.h"
#include "formats/iq4_values.h"

#include <cstdint>
#include <immintrin.h>

namespace llava {

inline __m256i load_i8x32(const void* p) {
    return _mm256_loadu_si256(static_cast<const __m256i*>(p));
}

inline float load_f16_as_f32(const void* p) {
    return _cvtsh_ss(load_unaligned<uint16_t>(p));
}

// 16 bytes of packed nibbles → 32 values 0..15: the low nibbles become lanes
// 0..15 and the high nibbles lanes 16..31 (the element order of every 4-bit
// 32-element block).
inline __m256i unpack_nibbles_32(const uint8_t* packed) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(packed));
    const __m128i low_mask = _mm_set1_epi8(0x0f);
    const __m128i low = _mm_and_si128(bytes, low_mask);
    const __m128i high = _mm_and_si128(_mm_srli_epi16(bytes, 4), low_mask);
    return _mm256_set_m128i(high, low);
}

// The 16 IQ4_NL / IQ4_XS levels in both 128-bit halves, for a per-nibble
// _mm256_shuffle_epi8 lookup.
inline __m256i iq4_levels_i8x32() {
    alignas(16) int8_t levels[16];
    for (int i = 0; i < 16; ++i) levels[i] = static_cast<int8_t>(iq4_value(i));
    return _mm256_broadcastsi128_si256(_mm_load_si128(reinterpret_cast<const __m128i*>(levels)));
}

// 32 bits → 32 byte lanes, 0xFF where bit j of `bits` is set, else 0.
inline __m256i expand_bits_32(uint32_t bits) {
    // Lane j receives byte j/8 of `bits`, then keeps only bit j%8 of it.
    const __m256i byte_select = _mm256_set_epi64x(0x0303030303030303, 0x0202020202020202,
                                                  0x0101010101010101, 0x0000000000000000);
    const __m256i bit_select = _mm256_set1_epi64x(static_cast<int64_t>(0x8040201008040201ull));
    const __m256i spread = _mm256_shuffle_epi8(_mm256_set1_epi32(static_cast<int>(bits)), byte_select);
    return _mm256_cmpeq_epi8(_mm256_and_si256(spread, bit_select), bit_select);
}

// Σ u·s over pairs of lanes → 16 int16 (unsigned u, signed s). Exact as long
// as 2·max|u|·max|s| ≤ 32767, which every caller's ranges satisfy.
inline __m256i dot_u8_i8_pairs(__m256i u, __m256i s) {
    return _mm256_maddubs_epi16(u, s);
}

// Σ a·b over groups of four lanes → 8 int32, a unsigned and b signed.
inline __m256i dot_u8_i8_quads(__m256i u, __m256i s) {
    return _mm256_madd_epi16(_mm256_maddubs_epi16(u, s), _mm256_set1_epi16(1));
}

// Both signed: maddubs wants one unsigned operand, so move a's sign onto b
// (a·b = |a|·(sign(a)·b)). |a| of −128 reads as unsigned 128, still exact;
// b must not be −128 (activation codes never are).
inline __m256i dot_i8_i8_pairs(__m256i a, __m256i b) {
    return _mm256_maddubs_epi16(_mm256_abs_epi8(a), _mm256_sign_epi8(b, a));
}

inline __m256i dot_i8_i8_quads(__m256i a, __m256i b) {
    return _mm256_madd_epi16(dot_i8_i8_pairs(a, b), _mm256_set1_epi16(1));
}

} // namespace llava
