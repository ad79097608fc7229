// SIMD twins of elementwise.h's operations, compiled with -mavx2 -mfma
// (avx2/) or AVX-512 (avx512/) and called by elementwise.cpp after a run-time
// CPU check. They compute exactly what llama.cpp's CPU backend computes on the
// same kind of CPU (its vector exp, its lane grouping), so that activations
// quantized to 8 bits afterwards round the same way.
#pragma once

#include <cmath>
#include <cstdint>

namespace llava {

// out = silu(gate) ⊙ up: 16 (8) lanes at a time with the vector exp, the
// remaining n % 16 (n % 8) elements with expf.
void silu_mul_avx512(const float* gate, const float* up, float* out, int64_t n);
void silu_mul_avx2(const float* gate, const float* up, float* out, int64_t n);

// The scalar form used for the tails, and on CPUs without AVX2/FMA.
inline float silu_times(float g, float u) { return g / (1.0f + std::exp(-g)) * u; }

} // namespace llava
