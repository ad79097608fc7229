#include "backend/cuda/dequantize.h"

#include "backend/cuda/cuda_check.h"
#include "backend/cuda/device_buffer.h"
#include "formats/block_decode.h"
#include "formats/blocks.h"
#include "formats/half.h"

namespace llava {

namespace {

constexpr int threads_per_block = 256;

// One thread decodes one quantization block.
template <typename Block, int Elements, void (*Decode)(const Block&, float*)>
__global__ void decode_blocks_kernel(const Block* __restrict__ src, float* __restrict__ dst, int64_t n_blocks) {
    const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < n_blocks) Decode(src[i], dst + i * Elements);
}

// One thread converts one 16-bit float.
template <float (*Convert)(uint16_t)>
__global__ void convert_halves_kernel(const uint16_t* __restrict__ src, float* __restrict__ dst, int64_t n) {
    const int64_t i = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
    if (i < n) dst[i] = Convert(src[i]);
}

unsigned grid_for(int64_t items) { return static_cast<unsigned>((items + threads_per_block - 1) / threads_per_block); }

template <typename Block, int Elements, void (*Decode)(const Block&, float*)>
void launch_blocks(const void* src, float* dst, int64_t n, cudaStream_t stream) {
    const int64_t n_blocks = n / Elements;
    if (n_blocks == 0) return;
    decode_blocks_kernel<Block, Elements, Decode>
        <<<grid_for(n_blocks), threads_per_block, 0, stream>>>(static_cast<const Block*>(src), dst, n_blocks);
}

template <float (*Convert)(uint16_t)>
void launch_halves(const void* src, float* dst, int64_t n, cudaStream_t stream) {
    if (n == 0) return;
    convert_halves_kernel<Convert><<<grid_for(n), threads_per_block, 0, stream>>>(static_cast<const uint16_t*>(src), dst, n);
}

} // namespace

void cuda_dequantize_row(tensor_type type, const void* src, float* dst, int64_t n, void* stream_handle) {
    auto stream = static_cast<cudaStream_t>(stream_handle);
    switch (type) {
        case tensor_type::F32:
            cuda_check(cudaMemcpyAsync(dst, src, static_cast<size_t>(n) * sizeof(float), cudaMemcpyDeviceToDevice, stream),
                       "cudaMemcpyAsync");
            return;
        case tensor_type::F16: launch_halves<f16_to_f32>(src, dst, n, stream); break;
        case tensor_type::BF16: launch_halves<bf16_to_f32>(src, dst, n, stream); break;
        case tensor_type::Q4_0: launch_blocks<block_q4_0, block32_size, decode_block_q4_0>(src, dst, n, stream); break;
        case tensor_type::Q4_1: launch_blocks<block_q4_1, block32_size, decode_block_q4_1>(src, dst, n, stream); break;
        case tensor_type::Q5_0: launch_blocks<block_q5_0, block32_size, decode_block_q5_0>(src, dst, n, stream); break;
        case tensor_type::Q5_1: launch_blocks<block_q5_1, block32_size, decode_block_q5_1>(src, dst, n, stream); break;
        case tensor_type::Q8_0: launch_blocks<block_q8_0, block32_size, decode_block_q8_0>(src, dst, n, stream); break;
        case tensor_type::IQ4_NL: launch_blocks<block_iq4_nl, block32_size, decode_block_iq4_nl>(src, dst, n, stream); break;
        case tensor_type::Q2_K: launch_blocks<block_q2_K, super_block_size, decode_block_q2_K>(src, dst, n, stream); break;
        case tensor_type::Q3_K: launch_blocks<block_q3_K, super_block_size, decode_block_q3_K>(src, dst, n, stream); break;
        case tensor_type::Q4_K: launch_blocks<block_q4_K, super_block_size, decode_block_q4_K>(src, dst, n, stream); break;
        case tensor_type::Q5_K: launch_blocks<block_q5_K, super_block_size, decode_block_q5_K>(src, dst, n, stream); break;
        case tensor_type::Q6_K: launch_blocks<block_q6_K, super_block_size, decode_block_q6_K>(src, dst, n, stream); break;
        case tensor_type::IQ4_XS: launch_blocks<block_iq4_xs, super_block_size, decode_block_iq4_xs>(src, dst, n, stream); break;
        default: throw std::invalid_argument("cuda_dequantize_row: type cannot be dequantized");
    }
    cuda_check(cudaGetLastError(), "dequantize kernel launch");
}

void cuda_dequantize_host(tensor_type type, const void* host_src, uint64_t src_bytes, float* host_dst, int64_t n) {
    device_buffer src(src_bytes);
    device_buffer dst(static_cast<size_t>(n) * sizeof(float));
    cuda_check(cudaMemcpy(src.as<void>(), host_src, src_bytes, cudaMemcpyHostToDevice), "cudaMemcpy to device");
    cuda_dequantize_row(type, src.as<void>(), dst.as<float>(), n, nullptr);
    cuda_check(cudaDeviceSynchronize(), "dequantize");
    cuda_check(cudaMemcpy(host_dst, dst.as<void>(), dst.bytes(), cudaMemcpyDeviceToHost), "cudaMemcpy to host");
}

} // namespace llava
