// Fused attention on the GPU, flash style: a block takes a tile of queries of
// one head, streams keys and values through shared memory, and keeps an online
// softmax (running max, running sum, rescaled accumulator) in f32, so the score
// matrix never exists. Same parameters and shapes as the CPU kernels
// (backend/cpu/attention.h): causal with grouped-query heads over the f16 KV
// cache, or bidirectional over f32 keys/values (the vision tower).
//
// Few query tiles (decoding): the key range is split across blocks, each
// writes its partial (max, sum, accumulator), and a second kernel merges them.
//
// Numerics: queries, keys, values, probabilities and sums all f32 (the CPU f16
// path rounds queries and probabilities to f16; this one does not).
// head_dim must be 64 or 128.
#pragma once

#include "backend/cpu/attention.h"
#include "backend/cuda/cuda_workspace.h"

#include <cstdint>

namespace llava {

bool cuda_attention_supports_head_dim(int64_t head_dim);

// Device pointers, run on `stream`. `splits` = 0 picks the number of key-range
// splits from the grid size; a positive value forces it (tests, benchmarks).
// Throws std::invalid_argument for invalid sizes or strides.
void cuda_attention_f16(const attention_params& p, const float* q, const uint16_t* k, const uint16_t* v, float* out,
                        cuda_workspace& ws, void* stream, int splits = 0);
void cuda_attention_f32(const attention_params& p, const float* q, const float* k, const float* v, float* out,
                        cuda_workspace& ws, void* stream, int splits = 0);

// Convenience for tests: host memory, synchronous, output poisoned (NaN)
// on the device first.
void cuda_attention_f16_host(const attention_params& p, const float* q, const uint16_t* k, const uint16_t* v,
                             float* out, int splits = 0);
void cuda_attention_f32_host(const attention_params& p, const float* q, const float* k, const float* v, float* out,
                             int splits = 0);

} // namespace llava
