// Dispatch of the CUDA patch embedding (kernel body: patch_embed_kernels.cuh).
#include "backend/cuda/patch_embed.h"

#include "backend/cuda/cuda_check.h"
#include "backend/cuda/device_buffer.h"
#include "backend/cuda/patch_embed_kernels.cuh"

#include <algorithm>
#include <limits>
#include <stdexcept>

namespace llava {

namespace {

using namespace cuda_detail;

void validate(const patch_embed_input& in) {
    if (in.patch_size <= 0 || in.image_size <= 0 || in.width <= 0 || in.image_size % in.patch_size != 0) {
        throw std::invalid_argument("cuda_patch_embed: bad image, patch or width size");
    }
    if (in.image_size > 65536 || in.width > std::numeric_limits<int>::max() / 2) {
        throw std::invalid_argument("cuda_patch_embed: sizes too large");
    }
    if (!cuda_patch_embed_supports(in.kernel_type)) {
        throw std::invalid_argument("cuda_patch_embed: kernel type must be F32, F16 or BF16");
    }
}

} // namespace

bool cuda_patch_embed_supports(tensor_type kernel_type) {
    return kernel_type == tensor_type::F32 || kernel_type == tensor_type::F16 || kernel_type == tensor_type::BF16;
}

void cuda_patch_embed(const patch_embed_input& in, float* out, void* stream_handle) {
    validate(in);
    const int grid_side = static_cast<int>(in.image_size / in.patch_size);
    const patch_embed_args a{in.pixels,   in.kernel,  in.bias,
                             in.class_embd, in.positions, out,
                             static_cast<int>(in.image_size), static_cast<int>(in.patch_size), grid_side,
                             grid_side * grid_side, static_cast<int>(in.width)};
    // At least one row of blocks, so the class row is written even without patches.
    const dim3 grid(blocks_for(a.width, patch_tile_n), std::max(1u, blocks_for(a.n_patches, patch_tile_m)));
    auto stream = static_cast<cudaStream_t>(stream_handle);
    switch (in.kernel_type) {
        case tensor_type::F32: patch_embed_kernel<format_f32><<<grid, patch_threads, 0, stream>>>(a); break;
        case tensor_type::F16: patch_embed_kernel<format_f16><<<grid, patch_threads, 0, stream>>>(a); break;
        default: patch_embed_kernel<format_bf16><<<grid, patch_threads, 0, stream>>>(a); break;
    }
    cuda_check(cudaGetLastError(), "patch_embed_kernel launch");
}

void cuda_patch_embed_host(const patch_embed_input& in, float* out) {
    validate(in);
    const int64_t n_patches = (in.image_size / in.patch_size) * (in.image_size / in.patch_size);
    uint64_t kernel_row = 0;
    row_bytes(in.kernel_type, static_cast<uint64_t>(3 * in.patch_size * in.patch_size), kernel_row);
    const size_t out_elems = static_cast<size_t>((1 + n_patches) * in.width);
    device_buffer pixels(static_cast<size_t>(3 * in.image_size * in.image_size) * sizeof(float));
    device_buffer kernel(static_cast<size_t>(kernel_row) * static_cast<size_t>(in.width));
    device_buffer bias(in.bias != nullptr ? static_cast<size_t>(in.width) * sizeof(float) : 0);
    device_buffer class_embd(static_cast<size_t>(in.width) * sizeof(float));
    device_buffer positions(out_elems * sizeof(float));
    device_buffer dout(out_elems * sizeof(float));
    cuda_check(cudaMemcpy(pixels.as<void>(), in.pixels, pixels.bytes(), cudaMemcpyHostToDevice), "cudaMemcpy to device");
    cuda_check(cudaMemcpy(kernel.as<void>(), in.kernel, kernel.bytes(), cudaMemcpyHostToDevice), "cudaMemcpy to device");
    if (in.bias != nullptr) {
        cuda_check(cudaMemcpy(bias.as<void>(), in.bias, bias.bytes(), cudaMemcpyHostToDevice), "cudaMemcpy to device");
    }
    cuda_check(cudaMemcpy(class_embd.as<void>(), in.class_embd, class_embd.bytes(), cudaMemcpyHostToDevice),
               "cudaMemcpy to device");
    cuda_check(cudaMemcpy(positions.as<void>(), in.positions, positions.bytes(), cudaMemcpyHostToDevice),
               "cudaMemcpy to device");
    cuda_check(cudaMemset(dout.as<void>(), 0xFF, dout.bytes()), "cudaMemset");
    patch_embed_input device_in = in;
    device_in.pixels = pixels.as<float>();
    device_in.kernel = kernel.as<void>();
    device_in.bias = in.bias != nullptr ? bias.as<float>() : nullptr;
    device_in.class_embd = class_embd.as<float>();
    device_in.positions = positions.as<float>();
    cuda_patch_embed(device_in, dout.as<float>(), nullptr);
    cuda_check(cudaDeviceSynchronize(), "cuda_patch_embed");
    cuda_check(cudaMemcpy(out, dout.as<void>(), dout.bytes(), cudaMemcpyDeviceToHost), "cudaMemcpy to host");
}

} // namespace llava
