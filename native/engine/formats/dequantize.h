// Row dequantization of GGUF tensor data to float32, bit-exact with ggml.
#pragma once

#include <cstdint>

#include "formats/tensor_type.h"

namespace llava {

// Converts n elements of `type` at `src` to float32 at `dst`.
// Preconditions (checked by callers): find_tensor_type(type)->can_dequantize, and n is a
// multiple of the type's block size. An unsupported type leaves dst untouched.
void dequantize_row(tensor_type type, const void* src, float* dst, int64_t n);

}  // namespace llava
