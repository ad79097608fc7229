// Kernel body of the CUDA patch embedding (dispatch: patch_embed.cu).
#pragma once

#include "backend/cuda/device_math.cuh"
#include "backend/cuda/weight_formats.cuh"

#include <cstdint>

namespace llava {
namespace cuda_detail {

struct patch_embed_args {
    const float* pixels;     // [3][image][image]
    const void* kernel;      // [width][3·p·p]
    const float* bias;       // [width] or nullptr
    const float* class_embd; // [width]
    const float* positions;  // [1 + n_patches][width]
    float* out;              // [1 + n_patches][width]
    int image;
    int patch;
    int grid;                // image / patch
    int n_patches;           // grid²
    int width;
};

constexpr int patch_tile_m = 64; // patches per block
constexpr int patch_tile_n = 32; // output channels per block, one per lane
constexpr int patch_slice_k = 32;
constexpr int patch_threads = 256;
constexpr int patch_rows_per_thread = patch_tile_m / (patch_threads / 32);

// grid: (width / 32, n_patches / 64). Thread (warp w, lane l) owns
// out[1 + m0 + 8w + i][n0 + l], i < 8.
template <typename Format>
__global__ void __launch_bounds__(patch_threads) patch_embed_kernel(patch_embed_args a) {
    static_assert(Format::elements == 1, "patch kernels are F32, F16 or BF16");
    using element = typename Format::block;
    // x_tile: [64 patches][32 k] unfolded pixels (+1 pad), broadcast reads
    // w_tile: [32 channels][32 k] kernel weights (+1 pad: lane l reads row l)
    __shared__ float x_tile[patch_tile_m][patch_slice_k + 1];
    __shared__ float w_tile[patch_tile_n][patch_slice_k + 1];

    const int lane = threadIdx.x % 32;
    const int warp = threadIdx.x / 32;
    const int n0 = blockIdx.x * patch_tile_n;
    const int m0 = blockIdx.y * patch_tile_m;
    const int pp = a.patch * a.patch;
    const int k_total = 3 * pp;
    const element* kernel = static_cast<const element*>(a.kernel);
    float acc[patch_rows_per_thread] = {};

    // Main loop: k = c·p² + ky·p + kx in slices of 32.
    for (int k0 = 0; k0 < k_total; k0 += patch_slice_k) {
        __syncthreads(); // previous slices fully read
        for (int i = threadIdx.x; i < patch_tile_m * patch_slice_k; i += patch_threads) {
            const int r = i / patch_slice_k;
            const int c = i % patch_slice_k;
            const int m = m0 + r;
            const int k = k0 + c;
            float value = 0.0f;
            if (m < a.n_patches && k < k_total) {
                const int channel = k / pp;
                const int ky = (k % pp) / a.patch;
                const int kx = k % a.patch;
                const int y = (m / a.grid) * a.patch + ky;
                const int x = (m % a.grid) * a.patch + kx;
                value = a.pixels[(static_cast<int64_t>(channel) * a.image + y) * a.image + x];
            }
            x_tile[r][c] = value;
        }
        for (int i = threadIdx.x; i < patch_tile_n * patch_slice_k; i += patch_threads) {
            const int r = i / patch_slice_k;
            const int c = i % patch_slice_k;
            const int n = n0 + r;
            const int k = k0 + c;
            float value = 0.0f;
            if (n < a.width && k < k_total) Format::decode(kernel[static_cast<int64_t>(n) * k_total + k], &value);
            w_tile[r][c] = value;
        }
        __syncthreads();
#pragma unroll 8
        for (int c = 0; c < patch_slice_k; ++c) {
            const float w = w_tile[lane][c];
#pragma unroll
            for (int i = 0; i < patch_rows_per_thread; ++i) acc[i] += x_tile[warp * patch_rows_per_thread + i][c] * w;
        }
    }

    // Epilogue: + bias + position embedding; the first row of blocks also
    // writes the class row.
    const int n = n0 + lane;
    if (n >= a.width) return;
    const float bias = a.bias != nullptr ? a.bias[n] : 0.0f;
    if (blockIdx.y == 0 && warp == 0) a.out[n] = a.class_embd[n] + a.positions[n];
#pragma unroll
    for (int i = 0; i < patch_rows_per_thread; ++i) {
        const int m = m0 + warp * patch_rows_per_thread + i;
        if (m >= a.n_patches) break;
        const int64_t at = static_cast<int64_t>(1 + m) * a.width + n;
        a.out[at] = (acc[i] + bias) + a.positions[at];
    }
}

} // namespace cuda_detail
} // namespace llava
