// Per-format block quantizers behind quantize_row (internal to formats/). Each takes
// one block's worth of float32 values (32 or 256) and fills one block.
#pragma once

#include "formats/blocks.h"

namespace llava {

// 32-element formats (quantize_blocks32.cpp).
void quantize_block_q4_0(const float* x, block_q4_0& block);
void quantize_block_q4_1(const float* x, block_q4_1& block);
void quantize_block_q5_0(const float* x, block_q5_0& block);
void quantize_block_q5_1(const float* x, block_q5_1& block);
void quantize_block_q8_0(const float* x, block_q8_0& block);

// Non-linear 4-bit formats (quantize_iq4.cpp).
void quantize_block_iq4_nl(const float* x, block_iq4_nl& block);
void quantize_block_iq4_xs(const float* x, block_iq4_xs& block);

// K-quant super-blocks of 256 (quantize_k.cpp).
void quantize_block_q2_K(const float* x, block_q2_K& block);
void quantize_block_q3_K(const float* x, block_q3_K& block);
void quantize_block_q4_K(const float* x, block_q4_K& block);
void quantize_block_q5_K(const float* x, block_q5_K& block);
void quantize_block_q6_K(const float* x, block_q6_K& block);

}  // namespace llava
