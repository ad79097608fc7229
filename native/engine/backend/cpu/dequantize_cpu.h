// dequantize_row for the CPU backend: the formats' reference decoders, with
// SIMD kernels substituted where the running CPU supports them. Results are
// bit-identical to formats/dequantize.h (the tests hold both to ggml's values).
#pragma once

#include "formats/tensor_type.h"

#include <cstdint>

namespace llava {

void cpu_dequantize_row(tensor_type type, const void* src, float* dst, int64_t n);

} // namespace llava
