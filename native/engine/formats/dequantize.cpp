#include "formats/dequantize.h"

#include <cstring>

#include "formats/block_decode.h"
#include "formats/blocks.h"
#include "formats/half.h"

namespace llava {
namespace {

// Applies `decode(block, out)` to every block of a row. Each block is copied
// out first: GGUF only promises `general.alignment`, which may be 1, so the
// source need not be aligned for the block's 16-bit fields.
template <typename Block, int block_elements, typename Decode>
void decode_blocks(const void* src, float* dst, int64_t n, Decode decode) {
    const auto* bytes = static_cast<const uint8_t*>(src);
    const int64_t n_blocks = n / block_elements;
    for (int64_t i = 0; i < n_blocks; ++i) {
        Block block;
        memcpy(&block, bytes + i * static_cast<int64_t>(sizeof(Block)), sizeof(Block));
        decode(block, dst + i * block_elements);
    }
}

// Applies `convert` to every 16-bit value of a row (copied out: possibly unaligned).
template <typename Convert>
void convert_halves(const void* src, float* dst, int64_t n, Convert convert) {
    const auto* bytes = static_cast<const uint8_t*>(src);
    for (int64_t i = 0; i < n; ++i) {
        uint16_t half;
        memcpy(&half, bytes + 2 * i, sizeof(half));
        dst[i] = convert(half);
    }
}

}  // namespace

void dequantize_row(tensor_type type, const void* src, float* dst, int64_t n) {
    if (n <= 0) return;  // empty tensors may come with null pointers
    switch (type) {
        case tensor_type::F32:
            memcpy(dst, src, static_cast<size_t>(n) * sizeof(float));
            return;
        case tensor_type::F16: return convert_halves(src, dst, n, f16_to_f32);
        case tensor_type::BF16: return convert_halves(src, dst, n, bf16_to_f32);
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
