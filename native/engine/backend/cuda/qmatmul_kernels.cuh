// Kernel bodies of the CUDA matmul (dispatch: qmatmul.cu).
//
//   Y[m * ldy + n] = Σ_k W[n][k] · X[m * K + k]
//
// W rows are `row_bytes` apart and hold K / Format::elements blocks.
#pragma once

#include "backend/cuda/device_math.cuh"
#include "backend/cuda/weight_formats.cuh"
#include "formats/packed_scales.h"

#include <cuda_fp16.h>
#include <mma.h>

#include <cstdint>
#include <type_traits>

namespace llava {
namespace cuda_detail {

// ---------------------------------------------------------------------------
// Activations quantized for the __dp4a path: 32 values, x ≈ d · q.
struct q8_activation_block {
    float d;       // amax / 127
    float s;       // d · Σ q, for the formats with a per-sub-block minimum
    int8_t qs[32];
};
static_assert(sizeof(q8_activation_block) == 40, "q8_activation_block layout");

constexpr int decode_max_rows = 8; // M of the decode path
constexpr int decode_warps = 4;    // warps (weight rows) per thread block

// One warp per block of 32 activations: lane l quantizes element l.
// X: [n_blocks · 32] f32 (M rows of K, K a multiple of 32) -> out: [n_blocks].
__global__ void quantize_q8_kernel(const float* __restrict__ X, q8_activation_block* __restrict__ out,
                                   int64_t n_blocks) {
    const int lane = threadIdx.x % 32;
    const int64_t block = static_cast<int64_t>(blockIdx.x) * (blockDim.x / 32) + threadIdx.x / 32;
    if (block >= n_blocks) return;
    const float x = X[block * 32 + lane];
    const float amax = warp_max(fabsf(x));
    const float d = amax / 127.0f;
    const float id = amax > 0.0f ? 127.0f / amax : 0.0f;
    const int q = static_cast<int>(rintf(x * id)); // round half to even, |q| ≤ 127
    const float q_sum = warp_sum(static_cast<float>(q)); // exact: |Σq| ≤ 4064
    out[block].qs[lane] = static_cast<int8_t>(q);
    if (lane == 0) {
        out[block].d = d;
        out[block].s = d * q_sum;
    }
}

// ---------------------------------------------------------------------------
// Weights of one 32-element unit as packed int8 (w[i] holds elements 4i..4i+3),
// with the scale of elements 0..15 and 16..31 and a minimum subtracted per
// unit: Σ_e W_e·x_e ≈ d_x·(scale_lo·Σ_lo q_w q_x + scale_hi·Σ_hi q_w q_x) − min·s_x.
struct unit_weights {
    int w[8];
    float scale_lo;
    float scale_hi;
    float min;
};

struct dp4a_q4_0 {
    using block = block_q4_0;
    static constexpr int units_per_block = 1;
    // Elements 0..15: low nibbles of qs, 16..31: high nibbles; value = nibble − 8.
    __device__ static void load(const block& b, int, unit_weights& u) {
        for (int i = 0; i < 4; ++i) {
            const uint32_t packed = load_u32_align2(b.qs + 4 * i);
            u.w[i] = static_cast<int>(__vsub4(packed & 0x0f0f0f0fu, 0x08080808u));
            u.w[i + 4] = static_cast<int>(__vsub4((packed >> 4) & 0x0f0f0f0fu, 0x08080808u));
        }
        u.scale_lo = u.scale_hi = f16_to_f32(b.d);
        u.min = 0.0f;
    }
};

struct dp4a_q8_0 {
    using block = block_q8_0;
    static constexpr int units_per_block = 1;
    __device__ static void load(const block& b, int, unit_weights& u) {
        const uint8_t* qs = reinterpret_cast<const uint8_t*>(b.qs);
        for (int i = 0; i < 8; ++i) u.w[i] = static_cast<int>(load_u32_align2(qs + 4 * i));
        u.scale_lo = u.scale_hi = f16_to_f32(b.d);
        u.min = 0.0f;
    }
};

struct dp4a_q4_K {
    using block = block_q4_K;
    static constexpr int units_per_block = 8;
    // Unit j: elements 32j..32j+31 = nibble (j & 1) of qs[32·(j/2) ..], scale
    // d·sc_j, minimum dmin·m_j.
    __device__ static void load(const block& b, int j, unit_weights& u) {
        const uint8_t* qs = b.qs + 32 * (j / 2);
        const int shift = 4 * (j & 1);
        for (int i = 0; i < 8; ++i) u.w[i] = static_cast<int>((load_u32_align4(qs + 4 * i) >> shift) & 0x0f0f0f0fu);
        int scale, min;
        unpack_q4_K_scale_min(b.scales, j, scale, min);
        u.scale_lo = u.scale_hi = f16_to_f32(b.d) * static_cast<float>(scale);
        u.min = f16_to_f32(b.dmin) * static_cast<float>(min);
    }
};

struct dp4a_q6_K {
    using block = block_q6_K;
    static constexpr int units_per_block = 8;
    // Unit j = 4·half + p: elements 128·half + 32p + l, low 4 bits from nibble
    // (p / 2) of ql[64·half + 32·(p & 1) + l], high 2 bits from bits 2p of
    // qh[32·half + l], value − 32; scales[8·half + 2p] for l < 16, +1 above.
    __device__ static void load(const block& b, int j, unit_weights& u) {
        const int half = j / 4;
        const int p = j % 4;
        const uint8_t* ql = b.ql + 64 * half + 32 * (p & 1);
        const uint8_t* qh = b.qh + 32 * half;
        const int low_shift = 4 * (p / 2);
        for (int i = 0; i < 8; ++i) {
            const uint32_t low = (load_u32_align2(ql + 4 * i) >> low_shift) & 0x0f0f0f0fu;
            const uint32_t high = ((load_u32_align2(qh + 4 * i) >> (2 * p)) & 0x03030303u) << 4;
            u.w[i] = static_cast<int>(__vsub4(low | high, 0x20202020u));
        }
        const float d = f16_to_f32(b.d);
        u.scale_lo = d * static_cast<float>(b.scales[8 * half + 2 * p]);
        u.scale_hi = d * static_cast<float>(b.scales[8 * half + 2 * p + 1]);
        u.min = 0.0f;
    }
};

// Decode path, integer products. One warp per weight row n; lane l takes the
// units l, l + 32, ... of the row and all M ≤ 8 activation rows, so each weight
// unit is loaded once. xq: [M][units_per_row] blocks.
template <typename Unit>
__global__ void __launch_bounds__(decode_warps * 32)
    decode_dp4a_kernel(const uint8_t* __restrict__ W, size_t row_bytes, int64_t N, int64_t units_per_row,
                       const q8_activation_block* __restrict__ xq, int M, float* __restrict__ Y, int64_t ldy) {
    using block = typename Unit::block;
    const int lane = threadIdx.x % 32;
    const int64_t n = static_cast<int64_t>(blockIdx.x) * decode_warps + threadIdx.x / 32;
    if (n >= N) return; // whole warps leave together; no block-wide barrier follows
    const block* row = reinterpret_cast<const block*>(W + static_cast<size_t>(n) * row_bytes);

    // Main loop: per unit, weights to registers, then M rows of two dp4a chains.
    float acc[decode_max_rows] = {};
    for (int64_t u = lane; u < units_per_row; u += 32) {
        unit_weights uw;
        Unit::load(row[u / Unit::units_per_block], static_cast<int>(u % Unit::units_per_block), uw);
#pragma unroll
        for (int m = 0; m < decode_max_rows; ++m) {
            if (m >= M) break;
            const q8_activation_block& xb = xq[m * units_per_row + u];
            const int* xw = reinterpret_cast<const int*>(xb.qs);
            int lo = 0;
            int hi = 0;
#pragma unroll
            for (int i = 0; i < 4; ++i) {
                lo = __dp4a(uw.w[i], xw[i], lo);
                hi = __dp4a(uw.w[i + 4], xw[i + 4], hi);
            }
            acc[m] += xb.d * (uw.scale_lo * static_cast<float>(lo) + uw.scale_hi * static_cast<float>(hi)) - uw.min * xb.s;
        }
    }

    // Epilogue: reduce over the warp, lane 0 stores.
#pragma unroll
    for (int m = 0; m < decode_max_rows; ++m) {
        if (m >= M) break;
        const float sum = warp_sum(acc[m]);
        if (lane == 0) Y[m * ldy + n] = sum;
    }
}

// Decode path for the other formats: each lane decodes whole blocks into
// registers (local memory for 256-element blocks) and multiplies in f32.
template <typename Format>
__global__ void __launch_bounds__(decode_warps * 32)
    decode_float_kernel(const uint8_t* __restrict__ W, size_t row_bytes, int64_t N, int64_t K,
                        const float* __restrict__ X, int M, float* __restrict__ Y, int64_t ldy) {
    using block = typename Format::block;
    constexpr int E = Format::elements;
    const int lane = threadIdx.x % 32;
    const int64_t n = static_cast<int64_t>(blockIdx.x) * decode_warps + threadIdx.x / 32;
    if (n >= N) return;
    const block* row = reinterpret_cast<const block*>(W + static_cast<size_t>(n) * row_bytes);

    float acc[decode_max_rows] = {};
    for (int64_t b = lane; b < K / E; b += 32) {
        float w[E];
        Format::decode(row[b], w);
#pragma unroll
        for (int m = 0; m < decode_max_rows; ++m) {
            if (m >= M) break;
            const float* x = X + m * K + b * E;
            float s = 0.0f;
            for (int e = 0; e < E; ++e) s += w[e] * x[e];
            acc[m] += s;
        }
    }

#pragma unroll
    for (int m = 0; m < decode_max_rows; ++m) {
        if (m >= M) break;
        const float sum = warp_sum(acc[m]);
        if (lane == 0) Y[m * ldy + n] = sum;
    }
}

// The unit loader of a format with one (void otherwise). The prefill kernel
// dequantizes through it: 32 elements per thread instead of a whole 256-element
// super-block, with the same values as the block decoders (scale·q − min
// rounds once: every product is exact, formats/block_decode.h).
template <typename Format> struct unit_loader { using type = void; };
template <> struct unit_loader<format_q4_0> { using type = dp4a_q4_0; };
template <> struct unit_loader<format_q8_0> { using type = dp4a_q8_0; };
template <> struct unit_loader<format_q4_K> { using type = dp4a_q4_K; };
template <> struct unit_loader<format_q6_K> { using type = dp4a_q6_K; };

template <typename Unit>
__device__ __forceinline__ void dequantize_unit(const typename Unit::block* row, int64_t unit, float* dst) {
    unit_weights uw;
    Unit::load(row[unit / Unit::units_per_block], static_cast<int>(unit % Unit::units_per_block), uw);
#pragma unroll
    for (int e = 0; e < 32; ++e) {
        const int q = static_cast<int8_t>(static_cast<uint32_t>(uw.w[e / 4]) >> (8 * (e % 4)));
        dst[e] = (e < 16 ? uw.scale_lo : uw.scale_hi) * static_cast<float>(q) - uw.min;
    }
}

// ---------------------------------------------------------------------------
// Prefill path: shared-memory tiled f32 GEMM.
//   block tile: tile_m rows of X × tile_n rows of W, K walked in tile_k steps
//   (one weight tile dequantized per step), each step in slice_k slices of X.
//   thread (warp w, lane l) owns Y[m0 + 8w + i][n0 + l], i < 8.
constexpr int prefill_tile_m = 64;
constexpr int prefill_tile_n = 32;
constexpr int prefill_tile_k = 256; // a whole K-quant super-block, 8 legacy blocks
constexpr int prefill_slice_k = 32;
constexpr int prefill_threads = 256;
constexpr int prefill_rows_per_thread = prefill_tile_m / (prefill_threads / 32);
static_assert(prefill_tile_n == 32, "one lane per weight row of the tile");

template <typename Format>
__global__ void __launch_bounds__(prefill_threads)
    prefill_tile_kernel(const uint8_t* __restrict__ W, size_t row_bytes, int64_t N, int64_t K,
                        const float* __restrict__ X, int64_t M, float* __restrict__ Y, int64_t ldy) {
    using block = typename Format::block;
    constexpr int E = Format::elements;
    constexpr int blocks_per_tile_row = prefill_tile_k / E;
    // w_tile: [32 weight rows][256 k] f32 (+1 pad: lane l reads row l, conflict-free), 32.9 KB
    // x_tile: [64 X rows][32 k] f32 (+1 pad), 8.4 KB; read as warp-wide broadcasts
    __shared__ float w_tile[prefill_tile_n][prefill_tile_k + 1];
    __shared__ float x_tile[prefill_tile_m][prefill_slice_k + 1];

    const int lane = threadIdx.x % 32;
    const int warp = threadIdx.x / 32;
    const int64_t n0 = static_cast<int64_t>(blockIdx.x) * prefill_tile_n;
    const int64_t m0 = static_cast<int64_t>(blockIdx.y) * prefill_tile_m;
    float acc[prefill_rows_per_thread] = {};

    for (int64_t k0 = 0; k0 < K; k0 += prefill_tile_k) {
        // Prologue of the step: dequantize W[n0 .. n0+32)[k0 .. k0+256) (zeros past N or K).
        using Unit = typename unit_loader<Format>::type;
        if constexpr (!std::is_void_v<Unit>) {
            constexpr int units_per_tile_row = prefill_tile_k / 32;
            for (int i = threadIdx.x; i < prefill_tile_n * units_per_tile_row; i += prefill_threads) {
                const int r = i / units_per_tile_row;
                const int j = i % units_per_tile_row;
                const int64_t n = n0 + r;
                const int64_t k = k0 + 32 * j;
                float* dst = &w_tile[r][32 * j];
                if (n < N && k < K) {
                    const block* row = reinterpret_cast<const block*>(W + static_cast<size_t>(n) * row_bytes);
                    dequantize_unit<Unit>(row, k / 32, dst);
                } else {
                    for (int e = 0; e < 32; ++e) dst[e] = 0.0f;
                }
            }
        } else {
            for (int i = threadIdx.x; i < prefill_tile_n * blocks_per_tile_row; i += prefill_threads) {
                const int r = i / blocks_per_tile_row;
                const int b = i % blocks_per_tile_row;
                const int64_t n = n0 + r;
                const int64_t k = k0 + static_cast<int64_t>(b) * E;
                float* dst = &w_tile[r][b * E];
                if (n < N && k < K) {
                    const block* row = reinterpret_cast<const block*>(W + static_cast<size_t>(n) * row_bytes);
                    Format::decode(row[k / E], dst);
                } else {
                    for (int e = 0; e < E; ++e) dst[e] = 0.0f;
                }
            }
        }
        // Main loop: slices of X against the resident weight tile.
        for (int s = 0; s < prefill_tile_k && k0 + s < K; s += prefill_slice_k) {
            __syncthreads(); // w_tile complete; previous x_tile fully read
            for (int i = threadIdx.x; i < prefill_tile_m * prefill_slice_k; i += prefill_threads) {
                const int r = i / prefill_slice_k;
                const int c = i % prefill_slice_k;
                const int64_t m = m0 + r;
                const int64_t k = k0 + s + c;
                x_tile[r][c] = (m < M && k < K) ? X[m * K + k] : 0.0f;
            }
            __syncthreads();
#pragma unroll 8
            for (int c = 0; c < prefill_slice_k; ++c) {
                const float w = w_tile[lane][s + c];
#pragma unroll
                for (int i = 0; i < prefill_rows_per_thread; ++i) {
                    acc[i] += x_tile[warp * prefill_rows_per_thread + i][c] * w;
                }
            }
        }
        __syncthreads(); // w_tile fully read before the next step overwrites it
    }

    // Epilogue: lanes store consecutive n (coalesced).
    const int64_t n = n0 + lane;
    if (n >= N) return;
#pragma unroll
    for (int i = 0; i < prefill_rows_per_thread; ++i) {
        const int64_t m = m0 + warp * prefill_rows_per_thread + i;
        if (m < M) Y[m * ldy + n] = acc[i];
    }
}

// ---------------------------------------------------------------------------
// Prefill path on tensor cores (WMMA, f16 × f16 → f32), for the formats with a
// unit loader: X and the dequantized weights are rounded to f16 in shared
// memory, products accumulate in f32.
//   block tile: mma_tile_m rows of X × mma_tile_n rows of W, K in steps of
//   mma_tile_k; warp w owns the 32 × 16 output slab rows 32·(w / 4),
//   columns 16·(w % 4) (two 16 × 16 accumulators).
constexpr int mma_tile_m = 64;
constexpr int mma_tile_n = 64;
constexpr int mma_tile_k = 128; // 4 units of 32 per weight row: one unit per thread
constexpr int mma_threads = 256;
constexpr int mma_ld = mma_tile_k + 8;    // halves per shared row (+8: fewer bank conflicts, 32-byte aligned rows)
constexpr int mma_out_ld = mma_tile_n + 4; // floats per row of the output staging
constexpr size_t mma_operand_bytes = 2 * mma_tile_m * mma_ld * sizeof(__half);
constexpr size_t mma_stage_bytes = mma_tile_m * mma_out_ld * sizeof(float);
constexpr size_t mma_smem_bytes = mma_operand_bytes > mma_stage_bytes ? mma_operand_bytes : mma_stage_bytes;
static_assert(mma_tile_n * (mma_tile_k / 32) == mma_threads, "one weight unit per thread and step");
static_assert(mma_smem_bytes <= 48 * 1024, "static shared memory");

template <typename Unit>
__global__ void __launch_bounds__(mma_threads)
    prefill_mma_kernel(const uint8_t* __restrict__ W, size_t row_bytes, int64_t N, int64_t K,
                       const float* __restrict__ X, int64_t M, float* __restrict__ Y, int64_t ldy) {
    using namespace nvcuda;
    using block = typename Unit::block;
    // smem during the main loop: x_tile [64 X rows][136] f16 | w_tile [64 W rows][136] f16 (34.8 KB);
    // in the epilogue: stage [64][68] f32 (17.4 KB), the same bytes.
    __shared__ __align__(128) unsigned char smem[mma_smem_bytes];
    __half* x_tile = reinterpret_cast<__half*>(smem);
    __half* w_tile = x_tile + mma_tile_m * mma_ld;

    const int warp = threadIdx.x / 32;
    const int warp_m = 32 * (warp / 4);
    const int warp_n = 16 * (warp % 4);
    const int64_t n0 = static_cast<int64_t>(blockIdx.x) * mma_tile_n;
    const int64_t m0 = static_cast<int64_t>(blockIdx.y) * mma_tile_m;

    wmma::fragment<wmma::accumulator, 16, 16, 16, float> acc[2];
    wmma::fill_fragment(acc[0], 0.0f);
    wmma::fill_fragment(acc[1], 0.0f);

    for (int64_t k0 = 0; k0 < K; k0 += mma_tile_k) {
        __syncthreads(); // previous tiles fully read
        // Prologue of the step: X[m0 .. +64)[k0 .. +128) to f16 (zeros outside).
        for (int i = threadIdx.x; i < mma_tile_m * mma_tile_k; i += mma_threads) {
            const int r = i / mma_tile_k;
            const int c = i % mma_tile_k;
            const int64_t m = m0 + r;
            const int64_t k = k0 + c;
            x_tile[r * mma_ld + c] = __float2half_rn((m < M && k < K) ? X[m * K + k] : 0.0f);
        }
        // W[n0 .. +64)[k0 .. +128): thread t dequantizes unit t % 4 of row t / 4.
        {
            const int r = threadIdx.x / (mma_tile_k / 32);
            const int j = threadIdx.x % (mma_tile_k / 32);
            const int64_t n = n0 + r;
            const int64_t k = k0 + 32 * j;
            float values[32];
            if (n < N && k < K) {
                const block* row = reinterpret_cast<const block*>(W + static_cast<size_t>(n) * row_bytes);
                dequantize_unit<Unit>(row, k / 32, values);
            } else {
#pragma unroll
                for (int e = 0; e < 32; ++e) values[e] = 0.0f;
            }
#pragma unroll
            for (int e = 0; e < 32; ++e) w_tile[r * mma_ld + 32 * j + e] = __float2half_rn(values[e]);
        }
        __syncthreads();
        // Main loop: 8 k-steps of 16; B = Wᵀ is column-major in w_tile.
#pragma unroll
        for (int kk = 0; kk < mma_tile_k; kk += 16) {
            wmma::fragment<wmma::matrix_a, 16, 16, 16, __half, wmma::row_major> a0, a1;
            wmma::fragment<wmma::matrix_b, 16, 16, 16, __half, wmma::col_major> b;
            wmma::load_matrix_sync(a0, x_tile + warp_m * mma_ld + kk, mma_ld);
            wmma::load_matrix_sync(a1, x_tile + (warp_m + 16) * mma_ld + kk, mma_ld);
            wmma::load_matrix_sync(b, w_tile + warp_n * mma_ld + kk, mma_ld);
            wmma::mma_sync(acc[0], a0, b, acc[0]);
            wmma::mma_sync(acc[1], a1, b, acc[1]);
        }
    }

    // Epilogue: accumulators through shared memory, bounds-checked stores.
    __syncthreads();
    float* stage = reinterpret_cast<float*>(smem);
    wmma::store_matrix_sync(stage + warp_m * mma_out_ld + warp_n, acc[0], mma_out_ld, wmma::mem_row_major);
    wmma::store_matrix_sync(stage + (warp_m + 16) * mma_out_ld + warp_n, acc[1], mma_out_ld, wmma::mem_row_major);
    __syncthreads();
    for (int i = threadIdx.x; i < mma_tile_m * mma_tile_n; i += mma_threads) {
        const int r = i / mma_tile_n;
        const int c = i % mma_tile_n;
        const int64_t m = m0 + r;
        const int64_t n = n0 + c;
        if (m < M && n < N) Y[m * ldy + n] = stage[r * mma_out_ld + c];
    }
}

} // namespace cuda_detail
} // namespace llava
