// Dot products of one weight row with one converted activation row, one function
// per (weight format, activation format) pair of spec §2.5.
//
// Every function has the shape vec_dot_fn: `k` elements (a multiple of the block
// size) of weights at `w` and of activations at `x` (already converted by
// activation_quantize.h). Quantized pairs sum codes as exact integers within a
// block (or K-quant super-block) and accumulate blocks in float, as llama.cpp.
//
// Each pair has two implementations that compute the same mathematical value:
//  - `_ref`: portable scalar code, the specification the SIMD kernels are
//    tested against and the path taken on CPUs without AVX2/FMA;
//  - `_avx2`: AVX2/FMA/F16C kernels (backend/cpu/avx2/, compiled with those
//    flags); call only when host_cpu_features() reports avx2 and fma (and
//    f16c for the F16 pair). They differ from `_ref` only in the order of float
//    accumulation across blocks.
#pragma once

#include <cstdint>

namespace llava {

using vec_dot_fn = float (*)(int64_t k, const void* w, const void* x);

// Float weights: F32·F32, F16·F16, BF16·BF16.
float vec_dot_f32_f32_ref(int64_t k, const void* w, const void* x);
float vec_dot_f16_f16_ref(int64_t k, const void* w, const void* x);
float vec_dot_bf16_bf16_ref(int64_t k, const void* w, const void* x);

// 32-element blocks with Q8_0 / Q8_1 activations.
float vec_dot_q4_0_q8_0_ref(int64_t k, const void* w, const void* x);
float vec_dot_q4_1_q8_1_ref(int64_t k, const void* w, const void* x);
float vec_dot_q5_0_q8_0_ref(int64_t k, const void* w, const void* x);
float vec_dot_q5_1_q8_1_ref(int64_t k, const void* w, const void* x);
float vec_dot_q8_0_q8_0_ref(int64_t k, const void* w, const void* x);
float vec_dot_iq4_nl_q8_0_ref(int64_t k, const void* w, const void* x);

// 256-element super-blocks with Q8_K activations.
float vec_dot_q2_K_q8_K_ref(int64_t k, const void* w, const void* x);
float vec_dot_q3_K_q8_K_ref(int64_t k, const void* w, const void* x);
float vec_dot_q4_K_q8_K_ref(int64_t k, const void* w, const void* x);
float vec_dot_q5_K_q8_K_ref(int64_t k, const void* w, const void* x);
float vec_dot_q6_K_q8_K_ref(int64_t k, const void* w, const void* x);
float vec_dot_iq4_xs_q8_K_ref(int64_t k, const void* w, const void* x);

float vec_dot_f32_f32_avx2(int64_t k, const void* w, const void* x);
float vec_dot_f16_f16_avx2(int64_t k, const void* w, const void* x);
// llama.cpp's AVX-512 dot-product order for float weights (avx512/matmul_float_avx512.cpp;
// AVX-512 F/BW/VL/VNNI hosts): its 16-lane accumulators group the sum differently than AVX2's.
float vec_dot_f32_f32_avx512(int64_t k, const void* w, const void* x);
float vec_dot_f16_f16_avx512(int64_t k, const void* w, const void* x);
float vec_dot_bf16_bf16_avx2(int64_t k, const void* w, const void* x);

float vec_dot_q4_0_q8_0_avx2(int64_t k, const void* w, const void* x);
float vec_dot_q4_1_q8_1_avx2(int64_t k, const void* w, const void* x);
float vec_dot_q5_0_q8_0_avx2(int64_t k, const void* w, const void* x);
float vec_dot_q5_1_q8_1_avx2(int64_t k, const void* w, const void* x);
float vec_dot_q8_0_q8_0_avx2(int64_t k, const void* w, const void* x);
float vec_dot_iq4_nl_q8_0_avx2(int64_t k, const void* w, const void* x);

float vec_dot_q2_K_q8_K_avx2(int64_t k, const void* w, const void* x);
float vec_dot_q3_K_q8_K_avx2(int64_t k, const void* w, const void* x);
float vec_dot_q4_K_q8_K_avx2(int64_t k, const void* w, const void* x);
float vec_dot_q5_K_q8_K_avx2(int64_t k, const void* w, const void* x);
float vec_dot_q6_K_q8_K_avx2(int64_t k, const void* w, const void* x);
float vec_dot_iq4_xs_q8_K_avx2(int64_t k, const void* w, const void* x);

} // namespace llava
