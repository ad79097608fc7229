// Small device helpers shared by the CUDA kernels: warp and block reductions,
// and unaligned 32-bit loads from quantized blocks.
#pragma once

#include <cstdint>

namespace llava {
namespace cuda_detail {

constexpr unsigned full_warp = 0xffffffffu;

__device__ __forceinline__ float warp_sum(float v) {
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(full_warp, v, offset);
    return v;
}

__device__ __forceinline__ double warp_sum(double v) {
    for (int offset = 16; offset > 0; offset >>= 1) v += __shfl_xor_sync(full_warp, v, offset);
    return v;
}

__device__ __forceinline__ float warp_max(float v) {
    for (int offset = 16; offset > 0; offset >>= 1) v = fmaxf(v, __shfl_xor_sync(full_warp, v, offset));
    return v;
}

// Sum over a whole thread block (blockDim.x a multiple of 32, at most 1024).
// Every thread gets the result. `scratch` holds 32 values.
template <typename T>
__device__ T block_sum(T v, T* scratch) {
    const int lane = threadIdx.x % 32;
    const int warp = threadIdx.x / 32;
    const int n_warps = blockDim.x / 32;
    v = warp_sum(v);
    __syncthreads(); // scratch may still be read by a previous call
    if (lane == 0) scratch[warp] = v;
    __syncthreads();
    v = lane < n_warps ? scratch[lane] : T(0);
    return warp_sum(v);
}

// Four bytes from an address that is only 2-byte aligned (quantized blocks of
// 18, 34 or 210 bytes), little-endian.
__device__ __forceinline__ uint32_t load_u32_align2(const uint8_t* p) {
    const uint16_t* h = reinterpret_cast<const uint16_t*>(p);
    return static_cast<uint32_t>(h[0]) | (static_cast<uint32_t>(h[1]) << 16);
}

__device__ __forceinline__ uint32_t load_u32_align4(const uint8_t* p) { return *reinterpret_cast<const uint32_t*>(p); }

inline unsigned blocks_for(int64_t items, int per_block) {
    return static_cast<unsigned>((items + per_block - 1) / per_block);
}

} // namespace cuda_detail
} // namespace llava
