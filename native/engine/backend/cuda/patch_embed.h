// CLIP patch embedding on the GPU (same definition as cpu_patch_embed,
// backend/cpu/patch_embed.h), in one kernel: patches are unfolded straight
// from the planar image into shared memory, multiplied with the [width][3·p·p]
// kernel, and the epilogue adds the bias and the position embeddings; the
// first row is class_embd + positions[0]. f32 products and sums (pixels are
// not rounded to f16 for an F16 kernel, unlike the CPU path).
#pragma once

#include "backend/cpu/patch_embed.h"

namespace llava {

// Kernel types F32, F16 and BF16.
bool cuda_patch_embed_supports(tensor_type kernel_type);

// Every pointer in `in` is a device pointer; out: [1 + n_patches][width] on
// the device. Runs on `stream`. Throws std::invalid_argument for bad sizes or
// an unsupported kernel type.
void cuda_patch_embed(const patch_embed_input& in, float* out, void* stream);

// Convenience for tests: host pointers, synchronous, output poisoned first.
void cuda_patch_embed_host(const patch_embed_input& in, float* out);

} // namespace llava
