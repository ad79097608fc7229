// AVX2 kernels for the 32-element weight formats against Q8_0 / Q8_1
// activations. Per block: the 32 weight codes are unpacked into int8 lanes in
// element order, multiplied with the 32 activation codes by maddubs (exact
// int16 pair sums) and madd (exact int32 sums of four), converted to float and
// accumulated with one FMA by d_w·d_x across blocks.
#include "backend/cpu/vec_dot.h"

#include "backend/cpu/avx2/int8_dot_avx2.h"
#include "formats/blocks.h"

namespace llava {

namespace {

// Runs block_sum(weight_block_bytes, activation_block) → 8 int32 partial sums
// per block and returns Σ_b d_w·d_x·Σ lanes. Weight blocks may be unaligned,
// so they are addressed as bytes; every format here starts with its f16 d.
template <typename WeightBlock, typename ActivationBlock, typename BlockSum>
__m256 accumulate_blocks(int64_t k, const void* w, const void* x, BlockSum block_sum) {
    const uint8_t* weights = static_cast<const uint8_t*>(w);
    const ActivationBlock* activations = static_cast<const ActivationBlock*>(x);
    __m256 acc = _mm256_setzero_ps();
    for (int64_t b = 0; b < k / block32_size; ++b) {
        const uint8_t* block = weights + b * static_cast<int64_t>(sizeof(WeightBlock));
        const __m256 d = _mm256_set1_ps(load_f16_as_f32(block) * load_f16_as_f32(&activations[b].d));
        const __m256i sums = block_sum(block, activations[b]);
        acc = _mm256_fmadd_ps(d, _mm256_cvtepi32_ps(sums), acc);
    }
    return acc;
}

// Σ over blocks of m_w·s_x, the offset term of Q4_1 / Q5_1 (m at byte 2).
template <typename WeightBlock>
float offset_term(int64_t k, const void* w, const void* x) {
    const uint8_t* weights = static_cast<const uint8_t*>(w);
    const block_q8_1* activations = static_cast<const block_q8_1*>(x);
    float sum = 0.0f;
    for (int64_t b = 0; b < k / block32_size; ++b) {
        sum += load_f16_as_f32(weights + b * static_cast<int64_t>(sizeof(WeightBlock)) + 2) * load_f16_as_f32(&activations[b].s);
    }
    return sum;
}

// Q5 fifth bits (u32 LE at `qh`) as byte lanes: 0xFF where set.
inline __m256i fifth_bits(const uint8_t* qh) {
    return expand_bits_32(load_unaligned<uint32_t>(qh));
}

} // namespace

float vec_dot_q4_0_q8_0_avx2(int64_t k, const void* w, const void* x) {
    const __m256 acc = accumulate_blocks<block_q4_0, block_q8_0>(k, w, x, [](const uint8_t* block, const block_q8_0& xb) {
        const __m256i q = _mm256_sub_epi8(unpack_nibbles_32(block + 2), _mm256_set1_epi8(8));  // −8..7
        return dot_i8_i8_quads(q, load_i8x32(xb.qs));
    });
    return hsum_f32x8(acc);
}

float vec_dot_q5_0_q8_0_avx2(int64_t k, const void* w, const void* x) {
    const __m256 acc = accumulate_blocks<block_q5_0, block_q8_0>(k, w, x, [](const uint8_t* block, const block_q8_0& xb) {
        // (nibble + 16·bit) − 16: a clear bit gives nibble − 16 = nibble | 0xF0 in int8.
        const __m256i clear_bit_offset = _mm256_andnot_si256(fifth_bits(block + 2), _mm256_set1_epi8(static_cast<char>(0xf0)));
        const __m256i q = _mm256_or_si256(unpack_nibbles_32(block + 6), clear_bit_offset);  // −16..15
        return dot_i8_i8_quads(q, load_i8x32(xb.qs));
    });
    return hsum_f32x8(acc);
}

float vec_dot_q8_0_q8_0_avx2(int64_t k, const void* w, const void* x) {
    const __m256 acc = accumulate_blocks<block_q8_0, block_q8_0>(k, w, x, [](const uint8_t* block, const block_q8_0& xb) {
        return dot_i8_i8_quads(load_i8x32(block + 2), load_i8x32(xb.qs));
    });
    return hsum_f32x8(acc);
}

float vec_dot_iq4_nl_q8_0_avx2(int64_t k, const void* w, const void* x) {
    const __m256i levels = iq4_levels_i8x32();
    const __m256 acc = accumulate_blocks<block_iq4_nl, block_q8_0>(k, w, x, [&](const uint8_t* block, const block_q8_0& xb) {
        const __m256i q = _mm256_shuffle_epi8(levels, unpack_nibbles_32(block + 2));  // table lookup per nibble
        return dot_i8_i8_quads(q, load_i8x32(xb.qs));
    });
    return hsum_f32x8(acc);
}

float vec_dot_q4_1_q8_1_avx2(int64_t k, const void* w, const void* x) {
    const __m256 acc = accumulate_blocks<block_q4_1, block_q8_1>(k, w, x, [](const uint8_t* block, const block_q8_1& xb) {
        return dot_u8_i8_quads(unpack_nibbles_32(block + 4), load_i8x32(xb.qs));  // codes 0..15
    });
    return hsum_f32x8(acc) + offset_term<block_q4_1>(k, w, x);
}

float vec_dot_q5_1_q8_1_avx2(int64_t k, const void* w, const void* x) {
    const __m256 acc = accumulate_blocks<block_q5_1, block_q8_1>(k, w, x, [](const uint8_t* block, const block_q8_1& xb) {
        const __m256i high = _mm256_and_si256(fifth_bits(block + 4), _mm256_set1_epi8(0x10));
        return dot_u8_i8_quads(_mm256_or_si256(unpack_nibbles_32(block + 8), high), load_i8x32(xb.qs));  // 0..31
    });
    return hsum_f32x8(acc) + offset_term<block_q5_1>(k, w, x);
}

} // namespace llava
