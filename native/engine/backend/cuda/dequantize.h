// Dequantization on the GPU, with the same per-block decoders as the CPU path
// (formats/block_decode.h), so both give bit-identical results.
#pragma once

#include "formats/tensor_type.h"

#include <cstdint>

namespace llava {

// Device pointers in, device pointer out; runs on `stream`. Preconditions as
// for dequantize_row (a dequantizable type, n a multiple of its block size).
void cuda_dequantize_row(tensor_type type, const void* src, float* dst, int64_t n, void* stream);

// Convenience for tests: host memory in and out, synchronous.
void cuda_dequantize_host(tensor_type type, const void* host_src, uint64_t src_bytes, float* host_dst, int64_t n);

} // namespace llava
