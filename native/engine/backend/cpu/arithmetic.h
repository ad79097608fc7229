// Which arithmetic a forward pass reproduces, and the matrix product for each.
#pragma once

#include "backend/cpu/matmul.h"
#include "backend/cpu/matmul_f32_activations.h"
#include "backend/cpu/portable/portable_matmul.h"

namespace llava {

enum class cpu_arithmetic {
    // llama.cpp's CPU builds for AVX2 / AVX-512: activations converted to each
    // weight's dot-product format, llama.cpp's sum orders (matmul.h) — fast.
    llama_cpp,
    // llama.cpp's portable x86-64 build (portable/): scalar, slow; for
    // reproducing such builds (e.g. @fugood/llama.node's linux-x64 binary).
    llama_cpp_portable,
    // f32 activations against weights dequantized to f32: the original model.
    reference,
};

inline void cpu_matmul_in(cpu_arithmetic arithmetic, thread_pool& pool, matmul_workspace& ws, tensor_type type,
                          const void* W, int64_t N, int64_t K, const float* x, int64_t M, float* y, int64_t ldy) {
    switch (arithmetic) {
        case cpu_arithmetic::llama_cpp: cpu_matmul(pool, ws, type, W, N, K, x, M, y, ldy); break;
        case cpu_arithmetic::llama_cpp_portable: cpu_matmul_portable(pool, ws, type, W, N, K, x, M, y, ldy); break;
        case cpu_arithmetic::reference: cpu_matmul_f32_activations(pool, ws, type, W, N, K, x, M, y, ldy); break;
    }
}

} // namespace llava
