// Bit-exact reproduction of llama.cpp's CPU flash attention, tiled variant
// (ggml-cpu ops.cpp, ggml_compute_forward_flash_attn_ext_tiled), as the
// portable x86-64 build inside @fugood/llama.node computes it: baseline SSE2
// only, no FMA, so GGML_SIMD is undefined and simd_gemm is its scalar loop,
// while the softmax exponent still uses the 4-lane SSE2 ggml_v_expf.
//
// llama.cpp takes this path for f32 queries with f16 keys/values whenever
// there are at least 64 query rows; the CLIP vision tower's attention (no
// mask, no sinks, no softcap, no ALiBi) is the case reproduced here.
//
// Each query row's result depends only on its own query vector, the keys and
// the values, never on how rows are grouped into tiles or threads, so the
// output is the same for any thread count (and equals llama.cpp's for any of
// its thread counts).
#pragma once

#include "backend/cpu/attention.h"
#include "backend/cpu/thread_pool.h"

#include <cstdint>

namespace llava {

// q is f32, k and v are f16 bits; layouts as documented in attention.h.
// Throws std::invalid_argument for invalid sizes or strides, for a causal
// call (llama.cpp expresses causality with a mask, which this path does not
// reproduce) and for fewer than 64 query rows (llama.cpp then uses its
// non-tiled kernel, with other roundings).
void flash_attention_portable(thread_pool& pool, const attention_params& p, const float* q, const uint16_t* k,
                              const uint16_t* v, float* out);

} // namespace llava
