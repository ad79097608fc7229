// AVX2 kernels for the 256-element super-block formats against Q8_K
// activations. Per super-block the weight codes are unpacked 32 lanes at a time
// in element order; maddubs gives exact int16 sums of element pairs, madd with
// the sub-block scales (broadcast to int16) gives int32 sums, and the whole
// super-block is reduced exactly in int32 before one float FMA by d_w·d_x.
//
// The float steps follow llama.cpp's AVX2 ggml_vec_dot_*_q8_K (the CPU
// backend we must reproduce bit for bit): each of the 8 int32 lanes is
// converted and FMA'd separately, so not only the super-block total but every
// lane's integer content must be the same as there. Hence Q6_K's +32 offset is
// removed per lane (lane i: 32·(S_2i·bsum_2i + S_2i+1·bsum_2i+1)) and Q3_K's
// codes are made signed before the products.
#include "backend/cpu/vec_dot.h"

#include "backend/cpu/avx2/k_quants_avx2.h"
#include "formats/packed_scales.h"

namespace llava {

namespace {

// Per-row accumulators, each in llama.cpp's shape: 8 lanes of Σ d·(integer
// lane sums) for every format, plus the min terms of Q4_K (4 lanes) and Q5_K
// (one float, FMA'd per super-block: llama.cpp's `sum += dmin * m` is
// contracted by its -ffp-contract=fast build). Q2_K FMAs its min lanes into
// scaled_sums.
struct accumulators {
    __m256 scaled_sums = _mm256_setzero_ps();
    __m128 min_lanes = _mm_setzero_ps();
    float min_terms = 0.0f;

    void add(float d, __m256i integer_sums) {
        scaled_sums = _mm256_fmadd_ps(_mm256_set1_ps(d), _mm256_cvtepi32_ps(integer_sums), scaled_sums);
    }
};

template <typename WeightBlock, typename SuperBlockDot>
accumulators dot_rows(int64_t k, const void* w, const void* x, SuperBlockDot super_block_dot) {
    const uint8_t* weights = static_cast<const uint8_t*>(w);
    const block_q8_K* activations = static_cast<const block_q8_K*>(x);
    accumulators acc;
    for (int64_t b = 0; b < k / super_block_size; ++b) {
        super_block_dot(weights + b * static_cast<int64_t>(sizeof(WeightBlock)), activations[b], acc);
    }
    return acc;
}

} // namespace

float vec_dot_q4_K_q8_K_avx2(int64_t k, const void* w, const void* x) {
    // d[0:2], dmin[2:4], scales[4:16], qs[16:144]
    const accumulators total = dot_rows<block_q4_K>(k, w, x, [](const uint8_t* block, const block_q8_K& xb, accumulators& acc) {
        int scale[8];
        const __m128i min_sums = q45_K_min_pairs(unpack_q45_K_scales(block + 4, scale), xb);
        const float neg_dmin = -(load_f16_as_f32(block + 2) * xb.d);
        acc.min_lanes = _mm_fmadd_ps(_mm_set1_ps(neg_dmin), _mm_cvtepi32_ps(min_sums), acc.min_lanes);
        __m256i sum = _mm256_setzero_si256();
        for (int chunk = 0; chunk < 4; ++chunk) sum = _mm256_add_epi32(sum, q4_K_chunk_sums(block, xb, scale, chunk));
        acc.add(load_f16_as_f32(block) * xb.d, sum);
    });
    return hsum_f32x8(total.scaled_sums) + hsum_f32x4(total.min_lanes);
}

float vec_dot_q5_K_q8_K_avx2(int64_t k, const void* w, const void* x) {
    // d[0:2], dmin[2:4], scales[4:16], qh[16:48], qs[48:176]
    const accumulators total = dot_rows<block_q5_K>(k, w, x, [](const uint8_t* block, const block_q8_K& xb, accumulators& acc) {
        int scale[8];
        const int min_sum = hsum_i32x4(q45_K_min_pairs(unpack_q45_K_scales(block + 4, scale), xb));
        const float neg_dmin = -(load_f16_as_f32(block + 2) * xb.d);
        acc.min_terms = _mm_cvtss_f32(_mm_fmadd_ss(_mm_set_ss(neg_dmin), _mm_set_ss(static_cast<float>(min_sum)),
                                                   _mm_set_ss(acc.min_terms)));
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
    });
    return hsum_f32x8(total.scaled_sums) + total.min_terms;
}

float vec_dot_q6_K_q8_K_avx2(int64_t k, const void* w, const void* x) {
    // ql[0:128], qh[128:192], scales[192:208] int8, d[208:210]
    const accumulators total = dot_rows<block_q6_K>(k, w, x, [](const uint8_t* block, const block_q8_K& xb, accumulators& acc) {
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
        sum = _mm256_sub_epi32(sum, _mm256_slli_epi32(scaled_bsum_pairs(_mm256_cvtepi8_epi16(scales), xb), 5));
        acc.add(load_f16_as_f32(block + 208) * xb.d, sum);
    });
    return hsum_f32x8(total.scaled_sums);
}

float vec_dot_q3_K_q8_K_avx2(int64_t k, const void* w, const void* x) {
    // hmask[0:32], qs[32:96], scales[96:108], d[108:110]
    const accumulators total = dot_rows<block_q3_K>(k, w, x, [](const uint8_t* block, const block_q8_K& xb, accumulators& acc) {
        int8_t scale_bytes[16];
        for (int sub = 0; sub < 16; ++sub) scale_bytes[sub] = static_cast<int8_t>(unpack_q3_K_scale(block + 96, sub));
        const __m128i scales = _mm_loadu_si128(reinterpret_cast<const __m128i*>(scale_bytes));
        const __m256i two_bits = _mm256_set1_epi8(3);
        const __m256i one = _mm256_set1_epi8(1);
        // Bit (4·half + plane) of hmask[l] is the third bit of chunk 4·half + plane;
        // value = 2 low bits − (4 where that bit is clear), −4..3.
        __m256i third_bits = load_i8x32(block);
        __m256i sum = _mm256_setzero_si256();
        for (int half = 0; half < 2; ++half) {
            __m256i low_bits = load_i8x32(block + 32 + 32 * half);
            for (int plane = 0; plane < 4; ++plane) {
                const __m256i four_if_clear = _mm256_slli_epi16(_mm256_andnot_si256(third_bits, one), 2);
                const __m256i codes = _mm256_sub_epi8(_mm256_and_si256(low_bits, two_bits), four_if_clear);
                const int chunk = 4 * half + plane;
                sum = _mm256_add_epi32(sum, scaled_dot32_pair_signed(codes, xb.qs + 32 * chunk, scales, chunk));
                low_bits = _mm256_srli_epi16(low_bits, 2);
                third_bits = _mm256_srli_epi16(third_bits, 1);
            }
        }
        acc.add(load_f16_as_f32(block + 108) * xb.d, sum);
    });
    return hsum_f32x8(total.scaled_sums);
}

float vec_dot_q2_K_q8_K_avx2(int64_t k, const void* w, const void* x) {
    const accumulators total = dot_rows<block_q2_K>(k, w, x, [](const uint8_t* block, const block_q8_K& xb, accumulators& acc) {
        const q2_K_scales scales(block);
        // The mins go into the same lanes as the scaled sums, first.
        acc.add(-(load_f16_as_f32(block + 82) * xb.d), scaled_bsum_pairs(scales.mins, xb));
        acc.add(load_f16_as_f32(block + 80) * xb.d,
                _mm256_add_epi32(q2_K_half_sums(block, xb, scales, 0), q2_K_half_sums(block, xb, scales, 1)));
    });
    return hsum_f32x8(total.scaled_sums);
}

float vec_dot_iq4_xs_q8_K_avx2(int64_t k, const void* w, const void* x) {
    // d[0:2], scales_h[2:4], scales_l[4:8], qs[8:136]
    const __m256i levels = iq4_levels_i8x32();
    const accumulators total = dot_rows<block_iq4_xs>(k, w, x, [&](const uint8_t* block, const block_q8_K& xb, accumulators& acc) {
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
    return hsum_f32x8(total.scaled_sums);
}

} // namespace llava
