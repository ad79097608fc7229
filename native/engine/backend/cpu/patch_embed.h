// CLIP patch embedding (spec §5.4 steps 1–3): the stride-p convolution of a
// planar image with p×p kernels, written as a product with the kernel matrix,
// plus the class token and the position embeddings.
//
//   out[0]     = class_embd + pos[0]
//   out[1 + n] = K · u_n (+ bias) + pos[1 + n]         n = grid·py + px (row-major over the patch grid)
//   u_n[c·p² + ky·p + kx] = pixels[c][p·py + ky][p·px + kx]
//
// K is the GGUF tensor v.patch_embd.weight (ne = [p, p, 3, width]), i.e. width
// rows of 3·p² weights in (c, ky, kx) order, kx fastest, in any format
// cpu_matmul takes. The product is done in `arithmetic` (arithmetic.h): in
// llama.cpp's, pixels are first converted to the kernel's dot format (f16 for
// an F16 kernel, which is also what llama.cpp's im2col does).
#pragma once

#include "backend/cpu/arithmetic.h"
#include "backend/cpu/thread_pool.h"
#include "formats/tensor_type.h"

#include <cstdint>

namespace llava {

struct patch_embed_input {
    const float* pixels;     // [3][image_size][image_size]
    int64_t image_size;      // a multiple of patch_size
    int64_t patch_size;
    int64_t width;           // output channels
    tensor_type kernel_type;
    const void* kernel;      // [width][3·p·p] in kernel_type
    const float* bias;       // [width], or nullptr
    const float* class_embd; // [width]
    const float* positions;  // [1 + n_patches][width]
    cpu_arithmetic arithmetic = cpu_arithmetic::llama_cpp;
};

// Fused unfold + matmul: patches are unfolded one tile at a time into a small
// scratch and multiplied, so the whole im2col matrix never exists.
// out: [1 + n_patches][width]. Throws std::invalid_argument for bad sizes.
void cpu_patch_embed(thread_pool& pool, matmul_workspace& ws, const patch_embed_input& in, float* out);

// The plain definition, for tests: kernel rows dequantized to f32, pixels used
// as given (no conversion), sums in double.
void patch_embed_ref(const patch_embed_input& in, float* out);

} // namespace llava
