// Row quantization of float32 data into GGUF tensor types.
//
// The quantizers are this project's own (not ggml's reference algorithms): each block's
// scales are chosen by a least-squares search, so the stored bytes differ from
// llama-quantize's while the reconstruction error is as low or lower. Deterministic:
// the same input always gives the same bytes.
#pragma once

#include <cstdint>

#include "formats/tensor_type.h"

namespace llava {

// Quantizes n float32 values at `src` into `dst` (row_bytes(type, n) bytes).
// Preconditions (checked by callers): find_tensor_type(type)->can_quantize, n is a
// multiple of the type's block size, and the input is free of NaN and infinity.
// An unsupported type leaves dst untouched.
void quantize_row(tensor_type type, const float* src, void* dst, int64_t n);

}  // namespace llava
