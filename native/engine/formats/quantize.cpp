#include "formats/quantize.h"

#include <cstring>

#include "formats/blocks.h"
#include "formats/half.h"
#include "formats/quantize_blocks.h"

namespace llava {
namespace {

// Applies `quantize(values, block)` to every block of a row.
template <typename Block, int block_elements, typename Quantize>
void quantize_blocks(const float* src, void* dst, int64_t n, Quantize quantize) {
    Block* blocks = static_cast<Block*>(dst);
    const int64_t n_blocks = n / block_elements;
    for (int64_t i = 0; i < n_blocks; ++i) {
        quantize(src + i * block_elements, blocks[i]);
    }
}

}  // namespace

void quantize_row(tensor_type type, const float* src, void* dst, int64_t n) {
    switch (type) {
        case tensor_type::F32:
            memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
            return;
        case tensor_type::F16: {
            uint16_t* halves = static_cast<uint16_t*>(dst);
            for (int64_t i = 0; i < n; ++i) halves[i] = f32_to_f16(src[i]);
            return;
        }
        case tensor_type::BF16: {
            uint16_t* halves = static_cast<uint16_t*>(dst);
            for (int64_t i = 0; i < n; ++i) halves[i] = f32_to_bf16(src[i]);
            return;
        }
        case tensor_type::Q4_0: return quantize_blocks<block_q4_0, block32_size>(src, dst, n, quantize_block_q4_0);
        case tensor_type::Q4_1: return quantize_blocks<block_q4_1, block32_size>(src, dst, n, quantize_block_q4_1);
        case tensor_type::Q5_0: return quantize_blocks<block_q5_0, block32_size>(src, dst, n, quantize_block_q5_0);
        case tensor_type::Q5_1: return quantize_blocks<block_q5_1, block32_size>(src, dst, n, quantize_block_q5_1);
        case tensor_type::Q8_0: return quantize_blocks<block_q8_0, block32_size>(src, dst, n, quantize_block_q8_0);
        case tensor_type::IQ4_NL: return quantize_blocks<block_iq4_nl, block32_size>(src, dst, n, quantize_block_iq4_nl);
        case tensor_type::Q2_K: return quantize_blocks<block_q2_K, super_block_size>(src, dst, n, quantize_block_q2_K);
        case tensor_type::Q3_K: return quantize_blocks<block_q3_K, super_block_size>(src, dst, n, quantize_block_q3_K);
        case tensor_type::Q4_K: return quantize_blocks<block_q4_K, super_block_size>(src, dst, n, quantize_block_q4_K);
        case tensor_type::Q5_K: return quantize_blocks<block_q5_K, super_block_size>(src, dst, n, quantize_block_q5_K);
        case tensor_type::Q6_K: return quantize_blocks<block_q6_K, super_block_size>(src, dst, n, quantize_block_q6_K);
        case tensor_type::IQ4_XS: return quantize_blocks<block_iq4_xs, super_block_size>(src, dst, n, quantize_block_iq4_xs);
        default:
            return;  // not quantizable: excluded by the caller's precondition
    }
}

}  // namespace llava
