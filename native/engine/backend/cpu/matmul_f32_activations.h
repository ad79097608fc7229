// The same product as cpu_matmul, Y = X·Wᵀ, with the original model's numerics
// instead of llama.cpp's: activations stay f32 and the weights are dequantized
// to f32 (a chunk of rows at a time, so no full f32 copy of W ever exists).
// Used where faithfulness to the original LLaVA matters more than speed (the
// vision tower's 'reference' mode runs once per image).
#pragma once

#include "backend/cpu/matmul.h"

namespace llava {

void cpu_matmul_f32_activations(thread_pool& pool, matmul_workspace& ws, tensor_type type, const void* W, int64_t N,
                                int64_t K, const float* X, int64_t M, float* Y, int64_t ldy);

} // namespace llava
