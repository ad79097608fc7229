#include "formats/dequantize.h"

#include <cstring>

#include "formats/block_decode.h"
#include "formats/blocks.h"
#include "formats/half.h"

namespace llava {
namespace {

// Applies `decode(block, out)` to every block of a row.
template <typename Block, int block_elements, typename Decode>
void decode_blocks(const void* src, float* dst, int64_t n, Decode decode) {
    const Block* blocks = static_cast<const Block*>(src);
    const int64_t n_blocks = n / block_elements;
    for (int64_t i = 0; i < n_blocks; ++i) {
        decode(blocks[i], dst + i * block_elements);
    }
}

}  // namespace

void dequantize_row(tensor_type type, const void* src, float* dst, int64_t n) {
    switch (type) {
        case tensor_type::F32:
            memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
            return;
        case tensor_type::F16: {
            const uint16_t* halves = static_cast<const uint16_t*>(src);
            for (int64_t i = 0; i < n; ++i) dst[i] = f16_to_f32(halves[i]);
            return;
        }
        case tensor_type::BF16: {
            const uint16_t* halves = static_cast<const uint16_t*>(src);
            for (int64_t i = 0; i < n; ++i) dst[i] = bf16_to_f32(halves[i]);
            return;
        }
        case tensor_type::Q4_0: return decode_blocks<block_q4_0, block32_size>(src, dst, n, decode_block_q4_0);
        case tensor_type::Q4_1: return decode_blocks<block_q4_1, block32_size>(src, dst, n, decode_block_q4_1);
        case tensor_type::Q5_0: return decode_blocks<block_q5_0, block32_size>(src, dst, n, decode_block_q5_0);
        case tensor_type::Q5_1: return decode_blocks<block_q5_1, block32_size>(src, dst, n, decode_block_q5_1);
        case tensor_type::Q8_0: return decode_blocks<block_q8_0, block32_size>(src, dst, n, decode_block_q8_0);
        case tensor_type::IQ4_NL: return decode_blocks<block_iq4_nl, block32_size>(src, dst, n, decode_block_iq4_nl);
        case tensor_type::Q2_K: return decode_blocks<block_q2_K, super_block_size>(src, dst, n, decode_block_q2_K);
        case tensor_type::Q3_K: return decode_blocks<block_q3_K, super_block_size>(src, dst, n, decode_block_q3_K);
        case tensor_type::Q4_K: return decode_blocks<block_q4_K, super_block_size>(src, dst, n, decode_block_q4_K);
        case tensor_type::Q5_K: return decode_blocks<block_q5_K, super_block_size>(src, dst, n, decode_block_q5_K);
        case tensor_type::Q6_K: return decode_blocks<block_q6_K, super_block_size>(src, dst, n, decode_block_q6_K);
        case tensor_type::IQ4_XS: return decode_blocks<block_iq4_xs, super_block_size>(src, dst, n, decode_block_iq4_xs);
        default:
            return;  // not dequantizable: excluded by the caller's precondition
    }
}

}  // namespace llava
