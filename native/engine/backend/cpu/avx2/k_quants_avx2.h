// Building blocks shared by the AVX2 kernels of the 256-element super-block
// formats against Q8_K activations (vec_dot_k_avx2.cpp,
// matmul_tile_interleaved_avx2.cpp): unpacking codes and scales, and exact
// int32 sums in the lane layout of llama.cpp's AVX2 kernels (lane i of a
// 32-element product holds elements 4i..4i+3).
// Include only from files compiled with -mavx2 -mfma -mf16c.
#pragma once

#include "backend/cpu/avx2/int8_dot_avx2.h"
#include "formats/blocks.h"

#include <cstdint>
#include <cstring>
#include <immintrin.h>

namespace llava {

// 32 codes times 32 activations, times one sub-block scale → 8 int32.
inline __m256i scaled_dot32(__m256i codes, const int8_t* x, int scale) {
    return _mm256_madd_epi16(dot_u8_i8_pairs(codes, load_i8x32(x)), _mm256_set1_epi16(static_cast<int16_t>(scale)));
}

// For formats with 16-element sub-blocks: the scales of 32 elements as int16
// lanes, lanes 0..7 (elements 0..15) scales_i8[2·pair], lanes 8..15 scales_i8[2·pair + 1].
inline __m256i pair_scales(__m128i scales_i8, int pair) {
    const __m128i select = _mm_add_epi8(_mm_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1),
                                        _mm_set1_epi8(static_cast<char>(2 * pair)));
    return _mm256_cvtepi8_epi16(_mm_shuffle_epi8(scales_i8, select));
}

// As scaled_dot32 with pair_scales, for unsigned codes.
inline __m256i scaled_dot32_pair(__m256i codes, const int8_t* x, __m128i scales_i8, int pair) {
    return _mm256_madd_epi16(dot_u8_i8_pairs(codes, load_i8x32(x)), pair_scales(scales_i8, pair));
}

// As scaled_dot32_pair for signed codes.
inline __m256i scaled_dot32_pair_signed(__m256i codes, const int8_t* x, __m128i scales_i8, int pair) {
    return _mm256_madd_epi16(dot_i8_i8_pairs(codes, load_i8x32(x)), pair_scales(scales_i8, pair));
}

// Lane i: scales[2i]·bsums[2i] + scales[2i+1]·bsums[2i+1] (scales as int16).
inline __m256i scaled_bsum_pairs(__m256i scales_i16, const block_q8_K& xb) {
    return _mm256_madd_epi16(scales_i16, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb.bsums)));
}

// Q4_K / Q5_K packed 6-bit scales and mins (formats/packed_scales.h) of all
// eight sub-blocks at once, as bytes: scales in the low 8 bytes, mins in the high 8.
inline __m128i unpack_q45_K_scales_mins(const uint8_t* packed) {
    uint32_t a, b, c;
    std::memcpy(&a, packed, 4);
    std::memcpy(&b, packed + 4, 4);
    std::memcpy(&c, packed + 8, 4);
    const uint32_t scales_low = a & 0x3f3f3f3fu;
    const uint32_t scales_high = (c & 0x0f0f0f0fu) | ((a >> 2) & 0x30303030u);
    const uint32_t mins_low = b & 0x3f3f3f3fu;
    const uint32_t mins_high = ((c >> 4) & 0x0f0f0f0fu) | ((b >> 2) & 0x30303030u);
    return _mm_setr_epi32(static_cast<int>(scales_low), static_cast<int>(scales_high), static_cast<int>(mins_low),
                          static_cast<int>(mins_high));
}

// As unpack_q45_K_scales_mins, with the scales into `scale` and the 8 mins
// returned as int16.
inline __m128i unpack_q45_K_scales(const uint8_t* packed, int scale[8]) {
    const __m128i scales_mins = unpack_q45_K_scales_mins(packed);
    alignas(16) uint8_t bytes[16];
    _mm_store_si128(reinterpret_cast<__m128i*>(bytes), scales_mins);
    for (int sub = 0; sub < 8; ++sub) scale[sub] = bytes[sub];
    return _mm_cvtepu8_epi16(_mm_unpackhi_epi64(scales_mins, scales_mins));
}

// The Q4_K / Q5_K mins term in llama.cpp's 4 int32 lanes: lane j =
// m_2j·Σx(sub-block 2j) + m_2j+1·Σx(sub-block 2j+1) (sub-blocks of 32).
inline __m128i q45_K_min_pairs(__m128i mins_i16, const block_q8_K& xb) {
    const __m128i bsums_low = _mm_loadu_si128(reinterpret_cast<const __m128i*>(xb.bsums));
    const __m128i bsums_high = _mm_loadu_si128(reinterpret_cast<const __m128i*>(xb.bsums + 8));
    return _mm_madd_epi16(mins_i16, _mm_hadd_epi16(bsums_low, bsums_high));
}

// Q4_K (d[0:2], dmin[2:4], scales[4:16], qs[16:144]) chunk c, 64 elements: the
// low nibbles are sub-block 2c, the high nibbles 2c+1; times their scales.
inline __m256i q4_K_chunk_sums(const uint8_t* block, const block_q8_K& xb, const int scale[8], int chunk) {
    const __m256i nibble = _mm256_set1_epi8(0x0f);
    const __m256i bytes = load_i8x32(block + 16 + 32 * chunk);
    const __m256i low = _mm256_and_si256(bytes, nibble);
    const __m256i high = _mm256_and_si256(_mm256_srli_epi16(bytes, 4), nibble);
    return _mm256_add_epi32(scaled_dot32(low, xb.qs + 64 * chunk, scale[2 * chunk]),
                            scaled_dot32(high, xb.qs + 64 * chunk + 32, scale[2 * chunk + 1]));
}

// Q2_K: scales[0:16] (low nibble scale, high nibble min, one per 16 elements),
// qs[16:80], d[80:82], dmin[82:84].
struct q2_K_scales {
    __m128i scales;  // int8
    __m256i mins;    // int16
    explicit q2_K_scales(const uint8_t* block) {
        const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block));
        const __m128i nibble = _mm_set1_epi8(0x0f);
        scales = _mm_and_si128(packed, nibble);
        mins = _mm256_cvtepu8_epi16(_mm_and_si128(_mm_srli_epi16(packed, 4), nibble));
    }
};

// Q2_K half h (128 elements: the four 2-bit planes of qs[32h .. 32h+32]) times
// its scales, as 8 int32 lanes.
inline __m256i q2_K_half_sums(const uint8_t* block, const block_q8_K& xb, const q2_K_scales& scales, int half) {
    const __m256i two_bits = _mm256_set1_epi8(3);
    __m256i bits = load_i8x32(block + 16 + 32 * half);
    __m256i sum = _mm256_setzero_si256();
    for (int plane = 0; plane < 4; ++plane) {
        const int chunk = 4 * half + plane;
        sum = _mm256_add_epi32(sum, scaled_dot32_pair(_mm256_and_si256(bits, two_bits), xb.qs + 32 * chunk,
                                                      scales.scales, chunk));
        bits = _mm256_srli_epi16(bits, 2);
    }
    return sum;
}

} // namespace llava
