// Fused attention: scores, softmax and the weighted sum of values in one pass
// over the keys and values, never materialising the score matrix of the call. Used by the decoder (causal, grouped-query, f16 KV cache) and by the
// vision tower (bidirectional, f32 keys/values).
#pragma once

#include "backend/cpu/thread_pool.h"

#include <cstdint>

namespace llava {

struct attention_params {
    int64_t n_queries;  // M query rows
    int64_t n_keys;     // keys/values visible to the last query
    int64_t n_head;     // query heads
    int64_t n_head_kv;  // key/value heads; query head h reads kv head h / (n_head / n_head_kv)
    int64_t head_dim;
    float scale;        // usually 1/sqrt(head_dim)
    // Causal: query m sits at position n_keys - n_queries + m and sees keys 0..that position.
    // Otherwise every query sees all n_keys keys.
    bool causal;
    // Elements between consecutive rows (positions) of q, k, v and out. Head h of
    // a row starts at h * head_dim within it.
    int64_t q_stride;
    int64_t kv_stride;
    int64_t out_stride;
};

// Shapes: q is [n_queries][q_stride], k and v [n_keys][kv_stride], out
// [n_queries][out_stride]; out must not overlap the inputs. Nothing past the
// n_keys-th key row is read. A causal query that sees no key (only possible
// when n_keys < n_queries) gets zeros. Invalid sizes or strides throw
// std::invalid_argument.

// Throws std::invalid_argument for negative counts, no heads, n_head not a
// multiple of n_head_kv, or a stride shorter than its row.
void validate_attention_params(const attention_params& p);

// Keys and values in f16 (the KV cache), with llama.cpp's numerics: queries
// rounded to f16 for the key dot products, softmax probabilities rounded to
// f16 for the value sum (so not an online softmax: each tile row keeps its
// scores; keys and values are still read once), accumulation in f32. On
// AVX-512 and AVX2 CPUs the result is bit-identical to llama.cpp's classic
// attention there, given the same batch shape: a call with one query position
// sums in the order of its single-token decode, several in that of its batched
// prefill. (The scalar kernels keep the same roundings in another order.)
void cpu_attention_f16(thread_pool& pool, const attention_params& p, const float* q, const uint16_t* k,
                       const uint16_t* v, float* out);

// Keys and values in f32 (the vision tower).
void cpu_attention_f32(thread_pool& pool, const attention_params& p, const float* q, const float* k, const float* v,
                       float* out);

// Both functions above pick the fastest kernel set the CPU supports. These
// overloads take it explicitly, so tests can run the portable path on any
// machine and compare them; asking for one the CPU lacks throws
// std::invalid_argument. The result does not depend on the thread count.
// avx512 differs from avx2 only for f16 keys/values (llama.cpp's AVX-512 orders).
enum class attention_kernel { scalar, avx2, avx512 };

bool attention_kernel_available(attention_kernel kernel);

void cpu_attention_f16(thread_pool& pool, const attention_params& p, attention_kernel kernel, const float* q,
                       const uint16_t* k, const uint16_t* v, float* out);
void cpu_attention_f32(thread_pool& pool, const attention_params& p, attention_kernel kernel, const float* q,
                       const float* k, const float* v, float* out);

} // namespace llava
