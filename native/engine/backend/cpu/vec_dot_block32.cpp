// Scalar references for the 32-element weight formats against Q8_0 / Q8_1
// activations: an exact integer sum per block, scaled and accumulated in float.
#include "backend/cpu/vec_dot.h"

#include "backend/cpu/unaligned_load.h"
#include "formats/block_decode.h"
#include "formats/blocks.h"
#include "formats/half.h"
#include "formats/iq4_values.h"

namespace llava {

namespace {

// Calls block_dot(weight_block, activation_block) for each block pair and sums
// the float results in order.
template <typename WeightBlock, typename ActivationBlock, typename BlockDot>
float sum_over_blocks(int64_t k, const void* w, const void* x, BlockDot block_dot) {
    const char* weight_bytes = static_cast<const char*>(w);
    const ActivationBlock* activations = static_cast<const ActivationBlock*>(x);
    float sum = 0.0f;
    for (int64_t b = 0; b < k / block32_size; ++b) {
        const WeightBlock weights = load_unaligned<WeightBlock>(weight_bytes + b * static_cast<int64_t>(sizeof(WeightBlock)));
        sum += block_dot(weights, activations[b]);
    }
    return sum;
}

// Σ_j code_j · x_j for 32 codes given as a lookup code(j).
template <typename Code>
int integer_dot32(Code code, const int8_t* x) {
    int sum = 0;
    for (int j = 0; j < block32_size; ++j) sum += code(j) * x[j];
    return sum;
}

// Low nibbles hold elements 0..15, high nibbles 16..31.
inline int nibble(const uint8_t* qs, int j) {
    return j < 16 ? (qs[j] & 0x0f) : (qs[j - 16] >> 4);
}

inline int fifth_bit(const uint8_t* qh, int j) {
    return static_cast<int>((load_u32_le(qh) >> j) & 1u);
}

} // namespace

float vec_dot_q4_0_q8_0_ref(int64_t k, const void* w, const void* x) {
    return sum_over_blocks<block_q4_0, block_q8_0>(k, w, x, [](const block_q4_0& wb, const block_q8_0& xb) {
        const int sum = integer_dot32([&](int j) { return nibble(wb.qs, j) - 8; }, xb.qs);
        return f16_to_f32(wb.d) * f16_to_f32(xb.d) * static_cast<float>(sum);
    });
}

float vec_dot_q4_1_q8_1_ref(int64_t k, const void* w, const void* x) {
    return sum_over_blocks<block_q4_1, block_q8_1>(k, w, x, [](const block_q4_1& wb, const block_q8_1& xb) {
        const int sum = integer_dot32([&](int j) { return nibble(wb.qs, j); }, xb.qs);
        // Σ (d·q + m)·x = d·Σ q·x + m·Σ x, with Σ x taken from the cached block sum s.
        return f16_to_f32(wb.d) * f16_to_f32(xb.d) * static_cast<float>(sum) + f16_to_f32(wb.m) * f16_to_f32(xb.s);
    });
}

float vec_dot_q5_0_q8_0_ref(int64_t k, const void* w, const void* x) {
    return sum_over_blocks<block_q5_0, block_q8_0>(k, w, x, [](const block_q5_0& wb, const block_q8_0& xb) {
        const int sum = integer_dot32([&](int j) { return (nibble(wb.qs, j) | (fifth_bit(wb.qh, j) << 4)) - 16; }, xb.qs);
        return f16_to_f32(wb.d) * f16_to_f32(xb.d) * static_cast<float>(sum);
    });
}

float vec_dot_q5_1_q8_1_ref(int64_t k, const void* w, const void* x) {
    return sum_over_blocks<block_q5_1, block_q8_1>(k, w, x, [](const block_q5_1& wb, const block_q8_1& xb) {
        const int sum = integer_dot32([&](int j) { return nibble(wb.qs, j) | (fifth_bit(wb.qh, j) << 4); }, xb.qs);
        return f16_to_f32(wb.d) * f16_to_f32(xb.d) * static_cast<float>(sum) + f16_to_f32(wb.m) * f16_to_f32(xb.s);
    });
}

float vec_dot_q8_0_q8_0_ref(int64_t k, const void* w, const void* x) {
    return sum_over_blocks<block_q8_0, block_q8_0>(k, w, x, [](const block_q8_0& wb, const block_q8_0& xb) {
        const int sum = integer_dot32([&](int j) { return static_cast<int>(wb.qs[j]); }, xb.qs);
        return f16_to_f32(wb.d) * f16_to_f32(xb.d) * static_cast<float>(sum);
    });
}

float vec_dot_iq4_nl_q8_0_ref(int64_t k, const void* w, const void* x) {
    return sum_over_blocks<block_iq4_nl, block_q8_0>(k, w, x, [](const block_iq4_nl& wb, const block_q8_0& xb) {
        const int sum = integer_dot32([&](int j) { return iq4_value(nibble(wb.qs, j)); }, xb.qs);
        return f16_to_f32(wb.d) * f16_to_f32(xb.d) * static_cast<float>(sum);
    });
}

} // namespace llava
