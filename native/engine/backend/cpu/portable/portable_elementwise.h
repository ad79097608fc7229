// The elementwise operations of llama.cpp's portable x86-64 build (see
// portable_matmul.h), where ggml's SSE2 paths run and nothing is fused:
//  - exp: the polynomial of the AVX versions (exp_avx2.h) with every FMA
//    split into a product and a sum, lane by lane;
//  - SiLU gating: x / (1 + exp(0 − x)) · up with that exp;
//  - RoPE: x0·cos − x1·sin and x0·sin + x1·cos, each product rounded
//    (rope_adjacent with rope_rounding::separate, elementwise.h);
//  - LayerNorm: mean from a double sum of x, variance from double sums of
//    4-element chunks of (x − mean)² (each chunk added pairwise: (0+1)+(2+3)),
//    then x·(1/√(var + eps)), ·weight, +bias — four separate roundings.
#pragma once

#include <cstdint>

namespace llava {

float exp_portable(float x);

// out = silu(gate) ⊙ up.
void silu_mul_portable(const float* gate, const float* up, float* out, int64_t n);

// As layer_norm (elementwise.h), in llama.cpp's portable arithmetic; out may alias x.
void layer_norm_portable(const float* x, const float* weight, const float* bias, float* out, int64_t rows, int64_t n,
                         float eps);

// The sum of a 4-element chunk as ggml's SSE2 reductions form it: (v0 + v1) + (v2 + v3).
inline float sum4_portable(const float v[4]) { return (v[0] + v[1]) + (v[2] + v[3]); }

} // namespace llava
