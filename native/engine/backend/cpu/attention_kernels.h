// The block kernels behind cpu_attention_*: a portable scalar set
// (attention.cpp) and an AVX2/FMA/F16C set (avx2/attention_avx2.cpp). The
// driver in attention.cpp owns tiling, threading and the online-softmax
// bookkeeping; these only do the arithmetic on one block of keys for one
// tile of query rows, so both sets share every decision about numerics except
// how a sum is ordered.
//
// Layouts (all row-major, leading dimensions in elements):
//   q    [n_rows][ldq]      f32 queries of the tile (already rounded to f16 for
//                           the f16 variant), zero from head_dim up to ldq
//   k, v [n_keys][kv_stride] first element is dimension 0 of the kv head
//   s, p [n_rows][lds]      scores / probabilities of the block
//   acc  [n_rows][ldacc]    f32 output accumulators, ldacc >= head_dim rounded
//                           up to 8 (the AVX2 kernels write the padding lanes)
#pragma once

#include <cstdint>

namespace llava {

template <typename T>
using attention_scores_fn = void (*)(const float* q, int64_t ldq, int64_t n_rows, const T* k, int64_t kv_stride,
                                     int64_t n_keys, int64_t head_dim, float* s, int64_t lds);

template <typename T>
using attention_accumulate_fn = void (*)(const float* p, int64_t ldp, int64_t n_rows, const T* v,
                                         int64_t kv_stride, int64_t n_keys, int64_t head_dim, float* acc,
                                         int64_t ldacc);

struct attention_kernels {
    // The f16 members are null in the AVX2 set: there f16 keys and values go
    // through rounded_attention_kernels (below) instead.
    // s[r][j] = Σ_d q[r][d] · k[j][d]                          r < n_rows, j < n_keys
    attention_scores_fn<uint16_t> scores_f16;
    attention_scores_fn<float> scores_f32;
    // acc[r][d] += Σ_j p[r][j] · v[j][d]                        d < head_dim
    attention_accumulate_fn<uint16_t> accumulate_f16;
    attention_accumulate_fn<float> accumulate_f32;
    // s[j] *= scale for j < n; returns max_j s[j] (n >= 1).
    float (*scale_max)(float* s, int64_t n, float scale);
    // s[j] = exp(s[j] - shift) for j < n; returns Σ_j s[j].
    float (*exp_sum)(float* s, int64_t n, float shift);
};

const attention_kernels& attention_kernels_scalar();

// llama.cpp's classic (non-flash) f16 attention reproduced bit for bit, as its
// AVX-512 (AVX2) build computes it: the scores and the value sum are its f16
// matrix products, summed in the order of its f16 GEMM when a batch has
// several query positions (per output one 16- (8-) lane accumulator, FMA over
// 16- (8-) element steps, then a tree) or of its f16 dot product for a single
// position (four accumulators over 64- (32-) element steps, combined, then a
// tree); the softmax uses its vector exp, sums 16- (8-) key chunks in double
// and rounds the probabilities to f16. The driver keeps each tile row's scores
// over all its keys, so these work on whole rows.
struct rounded_attention_kernels {
    // s[r][j] = q_r · k_j for j < n_keys (q already rounded to f16).
    void (*scores)(const float* q, int64_t ldq, int64_t n_rows, const uint16_t* k, int64_t kv_stride, int64_t n_keys,
                   int64_t head_dim, float* s, int64_t lds, bool single_position);
    // In place over s[0..n_valid), n_valid >= 1: s·scale, softmax, probabilities rounded to f16.
    void (*softmax)(float* s, int64_t n_valid, float scale);
    // out[r][d] = Σ_{j < n_keys} p[r][j] · v[j][d] for d < head_dim (overwrites out).
    void (*weighted_sum)(const float* p, int64_t ldp, int64_t n_rows, const uint16_t* v, int64_t kv_stride,
                         int64_t n_keys, int64_t head_dim, float* out, int64_t ldout, bool single_position);
};

// Compiled with AVX-512 F/DQ/BW/VL (AVX2/FMA/F16C): use only when host_cpu_features() has them.
const rounded_attention_kernels& rounded_attention_kernels_avx512();
const rounded_attention_kernels& rounded_attention_kernels_avx2();

// Compiled with -mavx2 -mfma -mf16c: use only when host_cpu_features() has all three.
const attention_kernels& attention_kernels_avx2();

} // namespace llava
