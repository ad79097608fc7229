// Conversion of float32 activation rows into the formats the block dot products
// consume (spec §2.5): Q8_0, Q8_1 and Q8_K blocks, or f16 / bf16 halves.
//
// These follow llama.cpp's CPU conversion on an AVX2 host, so that our integer
// dot products see the same activation codes as llama.cpp's:
//  - Q8_0 / Q8_1 (32 values): amax = max|x|, d = amax/127 (f32); the scale
//    applied is id = 127/amax (as llama.cpp's AVX path does; 1/d can differ in
//    the last bit), and q = round-half-to-even(x·id), as _mm256_round_ps does.
//    d is stored as f16 after q is computed; Q8_1 also stores s = f16(d·Σq)
//    with the f32 d.
//  - Q8_K (256 values): xm = the element of largest |x| (the first on ties),
//    iscale = −127/xm, q = min(127, round-half-to-even(iscale·x)), d = 1/iscale
//    (f32), bsums[g] = Σ q over each group of 16.
//  - f16 / bf16: round to nearest, ties to even (formats/half.h).
// An all-zero block gets d = 0 (and s = 0) with all codes 0.
#pragma once

#include <cstdint>

namespace llava {

// Each converts n float32 values (n a multiple of the format's block size) at
// `x` into consecutive blocks or halves at `out`.
void quantize_activations_q8_0(const float* x, void* out, int64_t n);
void quantize_activations_q8_1(const float* x, void* out, int64_t n);
void quantize_activations_q8_K(const float* x, void* out, int64_t n);
void convert_activations_f16(const float* x, void* out, int64_t n);
void convert_activations_bf16(const float* x, void* out, int64_t n);
void copy_activations_f32(const float* x, void* out, int64_t n);

} // namespace llava
