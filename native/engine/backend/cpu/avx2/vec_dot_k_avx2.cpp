// AVX2 kernels for the 256-element super-block formats against Q8_K
// activations. Per super-block the weight codes are unpacked 32 lanes at a time
// in element order; maddubs gives exact int16 sums of element pairs, madd with
// the sub-block scales (broadcast to int16) gives int32 sums, and the whole
// super-block is reduced exactly in int32 before one float FMA by d_w·d_x.
//
// Codes stored with an offset (Q3_K: q + 4, Q6_K: q + 32) are multiplied as
// unsigned values; the offset is removed with the Q8_K bsums (exact Σ x per 16
// elements), which is cheaper than making every code signed.
#include "backend/cpu/vec_dot.h"

#include "backend/cpu/avx2/int8_dot_avx2.h"
#include "formats/blocks.h"
#include "formats/packed_scales.h"

#include <cstring>

namespace llava {

namespace {

// Per-row accumulators: 8 lanes of Σ d·(integer sum), and the scalar Σ of the
// min terms of the formats with mins.
struct accumulators {
    __m256 scaled_sums = _mm256_setzero_ps();
    float min_terms = 0.0f;

    void add(float d, __m256i integer_sums) {
        scaled_sums = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(integer_sums), scaled_sums);
    }
    float total() const { return hsum_f32x8(scaled_sums) + min_terms; }
};

template <typename WeightBlock, typename SuperBlockDot>
float dot_rows(int64_t k, const void* w, const void* x, SuperBlockDot super_block_dot) {
    const uint8_t* weights = static_cast<const uint8_t*>(w);
    const block_q8_K* activations = static_cast<const block_q8_K*>(x);
    accumulators acc;
    for (int64_t b = 0; b < k / super_block_size; ++b) {
        super_block_dot(weights + b * static_cast<int64_t>(sizeof(WeightBlock)), activations[b], acc);
    }
    return acc.total();
}

// 32 codes times 32 activations, times one sub-block scale → 8 int32.
inline __m256i scaled_dot32(__m256i codes, const int8_t* x, int scale) {
    return _mm256_madd_epi16(dot_u8_i8_pairs(codes, load_i8x32(x)), _mm256_set1_epi16(static_cast<int16_t>(scale)));
}

// As scaled_dot32 for formats with 16-element sub-blocks: int16 lanes 0..7
// (elements 0..15) take scales[2·pair], lanes 8..15 take scales[2·pair + 1].
inline __m256i scaled_dot32_pair(__m256i codes, const int8_t* x, __m128i scales_i8, int pair) {
    const __m128i select = _mm_add_epi8(_mm_setr_epi8(0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1),
                                        _mm_set1_epi8(static_cast<char>(2 * pair)));
    const __m256i scales = _mm256_cvtepi8_epi16(_mm_shuffle_epi8(scales_i8, select));
    return _mm256_madd_epi16(dot_u8_i8_pairs(codes, load_i8x32(x)), scales);
}

// Σ_g scales[g]·bsums[g] over the 16 groups of 16 (scales as int16).
inline int scaled_bsums(__m256i scales_i16, const block_q8_K& xb) {
    return hsum_i32x8(_mm256_madd_epi16(scales_i16, _mm256_loadu_si256(reinterpret_cast<const __m256i*>(xb.bsums))));
}

// Q4_K / Q5_K: unpacks the 6-bit scales and returns Σ_sub min·Σx (sub-blocks of 32).
int unpack_q45_K_scales(const uint8_t* packed_bytes, const block_q8_K& xb, int scale[8]) {
    uint8_t packed[12];
    std::memcpy(packed, packed_bytes, sizeof packed);
    int min_sum = 0;
    for (int sub = 0; sub < 8; ++sub) {
        int min;
        unpack_q4_K_scale_min(packed, sub, scale[sub], min);
        min_sum += min * (xb.bsums[2 * sub] + xb.bsums[2 * sub + 1]);
    }
    return min_sum;
}

} // namespace

float vec_dot_q4_K_q8_K_avx2(int64_t k, const void* w, const void* x) {
    // d[0:2], dmin[2:4], scales[4:16], qs[16:144]
    return dot_rows<block_q4_K>(k, w, x, [](const uint8_t* block, const block_q8_K& xb, accumulators& acc) {
        int scale[8];
        const int min_sum = unpack_q45_K_scales(block + 4, xb, scale);
        const __m256i nibble = _mm256_set1_epi8(0x0f);
        __m256i sum = _mm256_setzero_si256();
        for (int chunk = 0; chunk < 4; ++chunk) {  // 64 elements: low nibbles, then high nibbles
            const __m256i bytes = load_i8x32(block + 16 + 32 * chunk);
            const __m256i low = _mm256_and_si256(bytes, nibble);
            const __m256i high = _mm256_and_si256(_mm256_srli_epi16(bytes, 4), nibble);
            sum = _mm256_add_epi32(sum, scaled_dot32(low, xb.qs + 64 * chunk, scale[2 * chunk]));
            sum = _mm256_add_epi32(sum, scaled_dot32(high, xb.qs + 64 * chunk + 32, scale[2 * chunk + 1]));
        }
        acc.add(load_f16_as_f32(block) * xb.d, sum);
        acc.min_terms -= load_f16_as_f32(block + 2) * xb.d * static_cast<float>(min_sum);
    });
}

float vec_dot_q5_K_q8_K_avx2(int64_t k, const void* w, const void* x) {
    // d[0:2], dmin[2:4], scales[4:16], qh[16:48], qs[48:176]
    return dot_rows<block_q5_K>(k, w, x, [](const uint8_t* block, const block_q8_K& xb, accumulators& acc) {
        int scale[8];
        const int min_sum = unpack_q45_K_scales(block + 4, xb, scale);
        const __m256i nibble = _mm256_set1_epi8(0x0f);
        const __m256i one = _mm256_set1_epi8(1);
        // Bits 2c and 2c+1 of qh[l] are the fifth bits of chunk c; shifted down
        // by two per chunk. (16-bit shifts leak the neighbour byte only into
        // bits this loop never reads.)
        __m256i fifth_bits = load_i8x32(block + 16);
        __m256i sum = _mm256_setzero_si256();
        for (int chunk = 0; chunk < 4; ++chunk) {
            const __m256i bytes = load_i8x32(block + 48 + 32 * chunk);
            const __m256i low_bit = _mm256_slli_epi16(_mm256_and_si256(fifth_bits, one), 4);
            const __m256i high_bit = _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(fifth_bits, 1), one), 4);
            const __m256i low = _mm256_or_si256(_mm256_and_si256(bytes, nibble), low_bit);
            const __m256i high = _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(bytes, 4), nibble), high_bit);
            sum = _mm256_add_epi32(sum, scaled_dot32(low, xb.qs + 64 * chunk, scale[2 * chunk]));
            sum = _mm256_add_epi32(sum, scaled_dot32(high, xb.qs + 64 * chunk + 32, scale[2 * chunk + 1]));
            fifth_bits = _mm256_srli_epi16(fifth_bits, 2);
        }
        acc.add(load_f16_as_f32(block) * xb.d, sum);
        acc.min_terms -= load_f16_as_f32(block + 2) * xb.d * static_cast<float>(min_sum);
    });
}

float vec_dot_q6_K_q8_K_avx2(int64_t k, const void* w, const void* x) {
    // ql[0:128], qh[128:192], scales[192:208] int8, d[208:210]
    return dot_rows<block_q6_K>(k, w, x, [](const uint8_t* block, const block_q8_K& xb, accumulators& acc) {
        const __m128i scales = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block + 192));
        const __m256i nibble = _mm256_set1_epi8(0x0f);
        const __m256i two_bits = _mm256_set1_epi8(3);
        __m256i sum = _mm256_setzero_si256();
        for (int half = 0; half < 2; ++half) {  // 128 elements: 4 quarters of 32
            const __m256i low0 = load_i8x32(block + 64 * half);
            const __m256i low1 = load_i8x32(block + 64 * half + 32);
            const __m256i high = load_i8x32(block + 128 + 32 * half);
            // code = low 4 bits | (2 high bits << 4), 0..63 = value + 32.
            const __m256i codes[4] = {
                _mm256_or_si256(_mm256_and_si256(low0, nibble),
                                _mm256_slli_epi16(_mm256_and_si256(high, two_bits), 4)),
                _mm256_or_si256(_mm256_and_si256(low1, nibble),
                                _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(high, 2), two_bits), 4)),
                _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(low0, 4), nibble),
                                _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(high, 4), two_bits), 4)),
                _mm256_or_si256(_mm256_and_si256(_mm256_srli_epi16(low1, 4), nibble),
                                _mm256_slli_epi16(_mm256_and_si256(_mm256_srli_epi16(high, 6), two_bits), 4)),
            };
            for (int quarter = 0; quarter < 4; ++quarter) {
                sum = _mm256_add_epi32(sum, scaled_dot32_pair(codes[quarter], xb.qs + 128 * half + 32 * quarter,
                                                              scales, 4 * half + quarter));
            }
        }
        // Remove the +32 offset: Σ_g S_g·32·Σx_g.
        const int offset = 32 * scaled_bsums(_mm256_cvtepi8_epi16(scales), xb);
        sum = _mm256_sub_epi32(sum, _mm256_setr_epi32(offset, 0, 0, 0, 0, 0, 0, 0));
        acc.add(load_f16_as_f32(block + 208) * xb.d, sum);
    });
}

float vec_dot_q3_K_q8_K_avx2(int64_t k, const void* w, const void* x) {
    // hmask[0:32], qs[32:96], scales[96:108], d[108:110]
    return dot_rows<block_q3_K>(k, w, x, [](const uint8_t* block, const block_q8_K& xb, accumulators& acc) {
        int8_t scale_bytes[16];
        for (int sub = 0; sub < 16; ++sub) scale_bytes[sub] = static_cast<int8_t>(unpack_q3_K_scale(block + 96, sub));
        const __m128i scales = _mm_loadu_si128(reinterpret_cast<const __m128i*>(scale_bytes));
        const __m256i two_bits = _mm256_set1_epi8(3);
        const __m256i one = _mm256_set1_epi8(1);
        // Bit (4·half + plane) of hmask[l] is the third bit of chunk 4·half + plane.
        __m256i third_bits = load_i8x32(block);
        __m256i sum = _mm256_setzero_si256();
        for (int half = 0; half < 2; ++half) {
            __m256i low_bits = load_i8x32(block + 32 + 32 * half);
            for (int plane = 0; plane < 4; ++plane) {
                // code = 2 low bits | third bit << 2, 0..7 = value + 4.
                const __m256i codes = _mm256_or_si256(_mm256_and_si256(low_bits, two_bits),
                                                      _mm256_slli_epi16(_mm256_and_si256(third_bits, one), 2));
                const int chunk = 4 * half + plane;
                sum = _mm256_add_epi32(sum, scaled_dot32_pair(codes, xb.qs + 32 * chunk, scales, chunk));
                low_bits = _mm256_srli_epi16(low_bits, 2);
                third_bits = _mm256_srli_epi16(third_bits, 1);
            }
        }
        const int offset = 4 * scaled_bsums(_mm256_cvtepi8_epi16(scales), xb);
        sum = _mm256_sub_epi32(sum, _mm256_setr_epi32(offset, 0, 0, 0, 0, 0, 0, 0));
        acc.add(load_f16_as_f32(block + 108) * xb.d, sum);
    });
}

float vec_dot_q2_K_q8_K_avx2(int64_t k, const void* w, const void* x) {
    // scales[0:16] (low nibble scale, high nibble min), qs[16:80], d[80:82], dmin[82:84]
    return dot_rows<block_q2_K>(k, w, x, [](const uint8_t* block, const block_q8_K& xb, accumulators& acc) {
        const __m128i packed = _mm_loadu_si128(reinterpret_cast<const __m128i*>(block));
        const __m128i nibble = _mm_set1_epi8(0x0f);
        const __m128i scales = _mm_and_si128(packed, nibble);
        const __m128i mins = _mm_and_si128(_mm_srli_epi16(packed, 4), nibble);
        const __m256i two_bits = _mm256_set1_epi8(3);
        __m256i sum = _mm256_setzero_si256();
        for (int half = 0; half < 2; ++half) {
            __m256i bits = load_i8x32(block + 16 + 32 * half);
            for (int plane = 0; plane < 4; ++plane) {
                const int chunk = 4 * half + plane;
                sum = _mm256_add_epi32(sum, scaled_dot32_pair(_mm256_and_si256(bits, two_bits), xb.qs + 32 * chunk,
                                                              scales, chunk));
                bits = _mm256_srli_epi16(bits, 2);
            }
        }
        const int min_sum = scaled_bsums(_mm256_cvtepu8_epi16(mins), xb);
        acc.add(load_f16_as_f32(block + 80) * xb.d, sum);
        acc.min_terms -= load_f16_as_f32(block + 82) * xb.d * static_cast<float>(min_sum);
    });
}

float vec_dot_iq4_xs_q8_K_avx2(int64_t k, const void* w, const void* x) {
    // d[0:2], scales_h[2:4], scales_l[4:8], qs[8:136]
    const __m256i levels = iq4_levels_i8x32();
    return dot_rows<block_iq4_xs>(k, w, x, [&](const uint8_t* block, const block_q8_K& xb, accumulators& acc) {
        const uint16_t scales_high = load_unaligned<uint16_t>(block + 2);
        __m256i sum = _mm256_setzero_si256();
        for (int sub = 0; sub < 8; ++sub) {
            const int low = (block[4 + sub / 2] >> (4 * (sub % 2))) & 0x0f;
            const int high = (scales_high >> (2 * sub)) & 3;
            const __m256i codes = _mm256_shuffle_epi8(levels, unpack_nibbles_32(block + 8 + 16 * sub));
            const __m256i pairs = dot_i8_i8_pairs(codes, load_i8x32(xb.qs + 32 * sub));
            sum = _mm256_add_epi32(sum, _mm256_madd_epi16(pairs, _mm256_set1_epi16(static_cast<int16_t>((low | (high << 4)) - 32))));
        }
        acc.add(load_f16_as_f32(block) * xb.d, sum);
    });
}

} // namespace llava
