// Kernel bodies of the CUDA attention (dispatch: attention.cu).
#pragma once

#include "backend/cpu/attention.h"
#include "backend/cuda/device_math.cuh"
#include "formats/half.h"

#include <cstdint>

namespace llava {
namespace cuda_detail {

constexpr int attn_warps = 4;
constexpr int attn_rows_per_warp = 4;
constexpr int attn_tile_q = attn_warps * attn_rows_per_warp; // 16 query rows per block
constexpr int attn_tile_kv = 32;                             // keys per step, one per lane
constexpr float log2_e = 1.4426950408889634f;

__device__ __forceinline__ float kv_to_float(float v) { return v; }
__device__ __forceinline__ float kv_to_float(uint16_t h) { return f16_to_f32(h); }

// Where a block's partial results go when the key range is split:
// acc [splits][n_queries][n_head][D] (unnormalised), max_sum [...][2] (max in
// log2 units, sum of exponentials).
struct attention_partials {
    float* acc;
    float* max_sum;
    int64_t keys_per_split;
};

// grid: (query tiles, n_head, splits); block: attn_warps warps.
// Warp w owns query rows q0 + 4w + i (i < 4) of head h; for each 32-key tile
// lane j scores key j against the warp's rows, then every lane updates its
// D/32 output columns (lane + 32c) with the 32 probabilities.
template <int D, typename KV>
__global__ void __launch_bounds__(attn_warps * 32)
    flash_attention_kernel(attention_params p, const float* __restrict__ q, const KV* __restrict__ k,
                     const KV* __restrict__ v, float* __restrict__ out, attention_partials partials) {
    static_assert(D % 32 == 0, "head_dim a multiple of 32");
    constexpr int cols = D / 32; // output columns per lane
    // q_tile: [16 rows][D] f32, pre-multiplied by scale·log2(e) (exp2 softmax), 8 KB at D = 128
    // k_tile: [32 keys][D + 1] f32 (+1: lane j reads row j, conflict-free), 16.5 KB
    // v_tile: [32 keys][D] f32 (lanes read consecutive columns), 16 KB
    __shared__ float q_tile[attn_tile_q][D];
    __shared__ float k_tile[attn_tile_kv][D + 1];
    __shared__ float v_tile[attn_tile_kv][D];

    const int lane = threadIdx.x % 32;
    const int warp = threadIdx.x / 32;
    const int64_t q0 = static_cast<int64_t>(blockIdx.x) * attn_tile_q;
    const int64_t head = blockIdx.y;
    const int64_t kv_head = head / (p.n_head / p.n_head_kv);
    const int split = blockIdx.z;

    // Prologue: the key range of this block. A causal query m sees keys up to
    // position n_keys − n_queries + m.
    const int64_t offset = p.n_keys - p.n_queries;
    const int64_t last_row = min(q0 + attn_tile_q, p.n_queries) - 1;
    int64_t key_end = p.causal ? min(p.n_keys, offset + last_row + 1) : p.n_keys;
    int64_t key_begin = 0;
    if (gridDim.z > 1) {
        key_begin = static_cast<int64_t>(split) * partials.keys_per_split;
        key_end = min(key_end, key_begin + partials.keys_per_split);
    }

    const float q_scale = p.scale * log2_e;
    for (int i = threadIdx.x; i < attn_tile_q * D; i += blockDim.x) {
        const int r = i / D;
        const int d = i % D;
        const int64_t m = q0 + r;
        q_tile[r][d] = m < p.n_queries ? q[m * p.q_stride + head * D + d] * q_scale : 0.0f;
    }

    float row_max[attn_rows_per_warp];
    float row_sum[attn_rows_per_warp];
    float acc[attn_rows_per_warp][cols];
    int64_t row_last_key[attn_rows_per_warp]; // last key the row may see
#pragma unroll
    for (int i = 0; i < attn_rows_per_warp; ++i) {
        row_max[i] = -INFINITY;
        row_sum[i] = 0.0f;
#pragma unroll
        for (int c = 0; c < cols; ++c) acc[i][c] = 0.0f;
        const int64_t m = q0 + warp * attn_rows_per_warp + i;
        row_last_key[i] = m >= p.n_queries ? -1 : (p.causal ? offset + m : p.n_keys - 1);
    }

    // Main loop over 32-key tiles.
    for (int64_t t0 = key_begin; t0 < key_end; t0 += attn_tile_kv) {
        __syncthreads(); // q_tile written / previous k_tile, v_tile fully read
        for (int i = threadIdx.x; i < attn_tile_kv * D; i += blockDim.x) {
            const int j = i / D;
            const int d = i % D;
            const int64_t key = t0 + j;
            const bool valid = key < key_end;
            const int64_t at = key * p.kv_stride + kv_head * D + d;
            k_tile[j][d] = valid ? kv_to_float(k[at]) : 0.0f;
            v_tile[j][d] = valid ? kv_to_float(v[at]) : 0.0f;
        }
        __syncthreads();

        const int64_t key = t0 + lane;
#pragma unroll
        for (int i = 0; i < attn_rows_per_warp; ++i) {
            const int r = warp * attn_rows_per_warp + i;
            // Scores (log2 units), then the online softmax update of row r.
            float s = 0.0f;
#pragma unroll 16
            for (int d = 0; d < D; ++d) s += q_tile[r][d] * k_tile[lane][d];
            if (key >= key_end || key > row_last_key[i]) s = -INFINITY;
            const float new_max = fmaxf(row_max[i], warp_max(s));
            if (new_max == -INFINITY) continue; // no visible key yet (warp-uniform)
            const float rescale = exp2f(row_max[i] - new_max); // 0 on the first visible tile
            const float prob = exp2f(s - new_max);
            row_sum[i] = row_sum[i] * rescale + warp_sum(prob);
            row_max[i] = new_max;
#pragma unroll
            for (int c = 0; c < cols; ++c) acc[i][c] *= rescale;
            for (int j = 0; j < attn_tile_kv; ++j) {
                const float pj = __shfl_sync(full_warp, prob, j);
#pragma unroll
                for (int c = 0; c < cols; ++c) acc[i][c] += pj * v_tile[j][lane + 32 * c];
            }
        }
    }

    // Epilogue: normalised output, or the partial state of this split.
#pragma unroll
    for (int i = 0; i < attn_rows_per_warp; ++i) {
        const int64_t m = q0 + warp * attn_rows_per_warp + i;
        if (m >= p.n_queries) continue;
        if (gridDim.z == 1) {
            const float inv = row_sum[i] > 0.0f ? 1.0f / row_sum[i] : 0.0f; // no visible key: zeros
#pragma unroll
            for (int c = 0; c < cols; ++c) out[m * p.out_stride + head * D + lane + 32 * c] = acc[i][c] * inv;
        } else {
            const int64_t slot = (static_cast<int64_t>(split) * p.n_queries + m) * p.n_head + head;
#pragma unroll
            for (int c = 0; c < cols; ++c) partials.acc[slot * D + lane + 32 * c] = acc[i][c];
            if (lane == 0) {
                partials.max_sum[2 * slot] = row_max[i];
                partials.max_sum[2 * slot + 1] = row_sum[i];
            }
        }
    }
}

// Merges the splits of one (query, head) per warp:
// out = Σ_s 2^(max_s − M) acc_s / Σ_s 2^(max_s − M) sum_s, M = max_s max_s.
template <int D>
__global__ void flash_attention_merge_kernel(attention_params p, int splits, const float* __restrict__ part_acc,
                                       const float* __restrict__ max_sum, float* __restrict__ out) {
    constexpr int cols = D / 32;
    const int lane = threadIdx.x % 32;
    const int64_t item = static_cast<int64_t>(blockIdx.x) * (blockDim.x / 32) + threadIdx.x / 32;
    if (item >= p.n_queries * p.n_head) return;
    const int64_t m = item / p.n_head;
    const int64_t head = item % p.n_head;
    const int64_t split_stride = p.n_queries * p.n_head;

    float global_max = -INFINITY;
    for (int s = 0; s < splits; ++s) global_max = fmaxf(global_max, max_sum[2 * (s * split_stride + item)]);
    float sum = 0.0f;
    float acc[cols] = {};
    if (global_max != -INFINITY) {
        for (int s = 0; s < splits; ++s) {
            const int64_t slot = s * split_stride + item;
            const float split_max = max_sum[2 * slot];
            if (split_max == -INFINITY) continue; // split saw no key
            const float w = exp2f(split_max - global_max);
            sum += w * max_sum[2 * slot + 1];
#pragma unroll
            for (int c = 0; c < cols; ++c) acc[c] += w * part_acc[slot * D + lane + 32 * c];
        }
    }
    const float inv = sum > 0.0f ? 1.0f / sum : 0.0f;
#pragma unroll
    for (int c = 0; c < cols; ++c) out[m * p.out_stride + head * D + lane + 32 * c] = acc[c] * inv;
}

} // namespace cuda_detail
} // namespace llava
