// Compile-time description of each weight format the CUDA matmul reads: the
// storage unit ("block"), how many elements it holds, and its decoder. The
// quantized decoders are the shared host/device ones (formats/block_decode.h),
// so a weight dequantized here equals the CPU's bit for bit. F32/F16/BF16 are
// one-element "blocks".
#pragma once

#include "formats/block_decode.h"
#include "formats/blocks.h"
#include "formats/half.h"
#include "formats/tensor_type.h"

namespace llava {
namespace cuda_detail {

template <typename Block, int Elements, void (*Decode)(const Block&, float*)>
struct block_format {
    using block = Block;
    static constexpr int elements = Elements;
    __device__ static void decode(const Block& b, float* out) { Decode(b, out); }
};

LLAVA_HOST_DEVICE inline void decode_f32(const float& v, float* out) { *out = v; }
LLAVA_HOST_DEVICE inline void decode_f16(const uint16_t& h, float* out) { *out = f16_to_f32(h); }
LLAVA_HOST_DEVICE inline void decode_bf16(const uint16_t& h, float* out) { *out = bf16_to_f32(h); }

using format_f32 = block_format<float, 1, decode_f32>;
using format_f16 = block_format<uint16_t, 1, decode_f16>;
using format_bf16 = block_format<uint16_t, 1, decode_bf16>;
using format_q4_0 = block_format<block_q4_0, block32_size, decode_block_q4_0>;
using format_q4_1 = block_format<block_q4_1, block32_size, decode_block_q4_1>;
using format_q5_0 = block_format<block_q5_0, block32_size, decode_block_q5_0>;
using format_q5_1 = block_format<block_q5_1, block32_size, decode_block_q5_1>;
using format_q8_0 = block_format<block_q8_0, block32_size, decode_block_q8_0>;
using format_iq4_nl = block_format<block_iq4_nl, block32_size, decode_block_iq4_nl>;
using format_q2_K = block_format<block_q2_K, super_block_size, decode_block_q2_K>;
using format_q3_K = block_format<block_q3_K, super_block_size, decode_block_q3_K>;
using format_q4_K = block_format<block_q4_K, super_block_size, decode_block_q4_K>;
using format_q5_K = block_format<block_q5_K, super_block_size, decode_block_q5_K>;
using format_q6_K = block_format<block_q6_K, super_block_size, decode_block_q6_K>;
using format_iq4_xs = block_format<block_iq4_xs, super_block_size, decode_block_iq4_xs>;

// Calls f(format{}) with the format of `type`; returns false for a type the
// CUDA matmul does not read.
template <typename F>
bool visit_weight_format(tensor_type type, F&& f) {
    switch (type) {
        case tensor_type::F32: f(format_f32{}); return true;
        case tensor_type::F16: f(format_f16{}); return true;
        case tensor_type::BF16: f(format_bf16{}); return true;
        case tensor_type::Q4_0: f(format_q4_0{}); return true;
        case tensor_type::Q4_1: f(format_q4_1{}); return true;
        case tensor_type::Q5_0: f(format_q5_0{}); return true;
        case tensor_type::Q5_1: f(format_q5_1{}); return true;
        case tensor_type::Q8_0: f(format_q8_0{}); return true;
        case tensor_type::IQ4_NL: f(format_iq4_nl{}); return true;
        case tensor_type::Q2_K: f(format_q2_K{}); return true;
        case tensor_type::Q3_K: f(format_q3_K{}); return true;
        case tensor_type::Q4_K: f(format_q4_K{}); return true;
        case tensor_type::Q5_K: f(format_q5_K{}); return true;
        case tensor_type::Q6_K: f(format_q6_K{}); return true;
        case tensor_type::IQ4_XS: f(format_iq4_xs{}); return true;
        default: return false;
    }
}

} // namespace cuda_detail
} // namespace llava
