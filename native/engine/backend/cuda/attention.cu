// Dispatch of the CUDA attention (kernel bodies: attention_kernels.cuh).
#include "backend/cuda/attention.h"

#include "backend/cuda/attention_kernels.cuh"
#include "backend/cuda/cuda_check.h"
#include "backend/cuda/device_buffer.h"

#include <algorithm>
#include <stdexcept>

namespace llava {

namespace {

using namespace cuda_detail;

constexpr int max_splits = 64;
constexpr int64_t min_keys_per_split = 128;

void validate(const attention_params& p) {
    if (p.n_queries < 0 || p.n_keys < 0 || p.n_head <= 0 || p.n_head_kv <= 0 || p.n_head % p.n_head_kv != 0) {
        throw std::invalid_argument("cuda_attention: invalid head or row counts");
    }
    if (!cuda_attention_supports_head_dim(p.head_dim)) throw std::invalid_argument("cuda_attention: head_dim must be 64 or 128");
    if (p.q_stride < p.n_head * p.head_dim || p.out_stride < p.n_head * p.head_dim ||
        p.kv_stride < p.n_head_kv * p.head_dim) {
        throw std::invalid_argument("cuda_attention: stride smaller than a row");
    }
    if (p.n_head > 65535) throw std::invalid_argument("cuda_attention: too many heads");
}

// Splits of the key range: enough blocks to fill the device twice, each split
// at least min_keys_per_split keys.
int choose_splits(const attention_params& p, int64_t grid_blocks) {
    int device = 0;
    int sm_count = 0;
    cuda_check(cudaGetDevice(&device), "cudaGetDevice");
    cuda_check(cudaDeviceGetAttribute(&sm_count, cudaDevAttrMultiProcessorCount, device), "cudaDeviceGetAttribute");
    const int64_t target = 2 * static_cast<int64_t>(sm_count);
    if (grid_blocks >= target) return 1;
    const int64_t by_grid = (target + grid_blocks - 1) / grid_blocks;
    const int64_t by_keys = std::max<int64_t>(1, p.n_keys / min_keys_per_split);
    return static_cast<int>(std::min<int64_t>({by_grid, by_keys, max_splits}));
}

template <int D, typename KV>
void launch(const attention_params& p, const float* q, const KV* k, const KV* v, float* out, cuda_workspace& ws,
            cudaStream_t stream, int splits) {
    const int64_t q_tiles = (p.n_queries + attn_tile_q - 1) / attn_tile_q;
    if (splits <= 0) splits = choose_splits(p, q_tiles * p.n_head);
    splits = p.n_keys > 0 ? std::min(splits, max_splits) : 1;
    attention_partials partials{nullptr, nullptr, p.n_keys};
    if (splits > 1) {
        // Keys per split a whole number of tiles; recount the splits that hold any key.
        int64_t per_split = (p.n_keys + splits - 1) / splits;
        per_split = (per_split + attn_tile_kv - 1) / attn_tile_kv * attn_tile_kv;
        splits = static_cast<int>(std::max<int64_t>(1, (p.n_keys + per_split - 1) / per_split));
        partials.keys_per_split = per_split;
    }
    if (splits > 1) {
        const int64_t slots = splits * p.n_queries * p.n_head;
        auto* base = static_cast<float*>(ws.reserve(static_cast<size_t>(slots * (D + 2)) * sizeof(float)));
        partials.acc = base;
        partials.max_sum = base + slots * D;
    }
    const dim3 grid(static_cast<unsigned>(q_tiles), static_cast<unsigned>(p.n_head), static_cast<unsigned>(splits));
    flash_attention_kernel<D, KV><<<grid, attn_warps * 32, 0, stream>>>(p, q, k, v, out, partials);
    cuda_check(cudaGetLastError(), "flash_attention_kernel launch");
    if (splits > 1) {
        constexpr int merge_warps = 4;
        flash_attention_merge_kernel<D><<<blocks_for(p.n_queries * p.n_head, merge_warps), merge_warps * 32, 0, stream>>>(
            p, splits, partials.acc, partials.max_sum, out);
        cuda_check(cudaGetLastError(), "flash_attention_merge_kernel launch");
    }
}

template <typename KV>
void dispatch(const attention_params& p, const float* q, const KV* k, const KV* v, float* out, cuda_workspace& ws,
              void* stream_handle, int splits) {
    validate(p);
    if (p.n_queries == 0) return;
    auto stream = static_cast<cudaStream_t>(stream_handle);
    if (p.head_dim == 64) {
        launch<64, KV>(p, q, k, v, out, ws, stream, splits);
    } else {
        launch<128, KV>(p, q, k, v, out, ws, stream, splits);
    }
}

template <typename KV>
void run_host(const attention_params& p, const float* q, const KV* k, const KV* v, float* out, int splits) {
    validate(p);
    if (p.n_queries == 0) return;
    const size_t q_elems = static_cast<size_t>((p.n_queries - 1) * p.q_stride + p.n_head * p.head_dim);
    const size_t out_elems = static_cast<size_t>((p.n_queries - 1) * p.out_stride + p.n_head * p.head_dim);
    const size_t kv_elems = p.n_keys > 0 ? static_cast<size_t>((p.n_keys - 1) * p.kv_stride + p.n_head_kv * p.head_dim) : 0;
    device_buffer dq(q_elems * sizeof(float));
    device_buffer dk(kv_elems * sizeof(KV));
    device_buffer dv(kv_elems * sizeof(KV));
    device_buffer dout(out_elems * sizeof(float));
    cuda_workspace ws;
    cuda_check(cudaMemcpy(dq.as<void>(), q, dq.bytes(), cudaMemcpyHostToDevice), "cudaMemcpy to device");
    if (kv_elems > 0) {
        cuda_check(cudaMemcpy(dk.as<void>(), k, dk.bytes(), cudaMemcpyHostToDevice), "cudaMemcpy to device");
        cuda_check(cudaMemcpy(dv.as<void>(), v, dv.bytes(), cudaMemcpyHostToDevice), "cudaMemcpy to device");
    }
    cuda_check(cudaMemset(dout.as<void>(), 0xFF, dout.bytes()), "cudaMemset");
    dispatch<KV>(p, dq.as<float>(), dk.as<KV>(), dv.as<KV>(), dout.as<float>(), ws, nullptr, splits);
    cuda_check(cudaDeviceSynchronize(), "cuda_attention");
    cuda_check(cudaMemcpy(out, dout.as<void>(), dout.bytes(), cudaMemcpyDeviceToHost), "cudaMemcpy to host");
}

} // namespace

bool cuda_attention_supports_head_dim(int64_t head_dim) { return head_dim == 64 || head_dim == 128; }

void cuda_attention_f16(const attention_params& p, const float* q, const uint16_t* k, const uint16_t* v, float* out,
                        cuda_workspace& ws, void* stream, int splits) {
    dispatch<uint16_t>(p, q, k, v, out, ws, stream, splits);
}

void cuda_attention_f32(const attention_params& p, const float* q, const float* k, const float* v, float* out,
                        cuda_workspace& ws, void* stream, int splits) {
    dispatch<float>(p, q, k, v, out, ws, stream, splits);
}

void cuda_attention_f16_host(const attention_params& p, const float* q, const uint16_t* k, const uint16_t* v,
                             float* out, int splits) {
    run_host<uint16_t>(p, q, k, v, out, splits);
}

void cuda_attention_f32_host(const attention_params& p, const float* q, const float* k, const float* v, float* out,
                             int splits) {
    run_host<float>(p, q, k, v, out, splits);
}

} // namespace llava
