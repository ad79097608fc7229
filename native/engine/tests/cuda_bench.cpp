// Timings of the CUDA kernels (needs a GPU; built only with LLAVA_CUDA).
// CUDA events around each launch, warm-up runs first, the median of the timed
// runs reported; inputs rotate through enough copies to exceed the L2 cache,
// so every run reads from device memory. A device-to-device cudaMemcpy gives
// the bandwidth ceiling of the same run.
//
// Prints a table, and one "RESULT <name> <value> <unit>" line per row for
// scripts/device-check.sh.
#include "backend/cpu/attention.h"
#include "backend/cpu/patch_embed.h"
#include "backend/cuda/attention.h"
#include "backend/cuda/cuda_check.h"
#include "backend/cuda/device_buffer.h"
#include "backend/cuda/patch_embed.h"
#include "backend/cuda/qmatmul.h"
#include "common/random_normal.h"
#include "formats/half.h"
#include "formats/quantize.h"
#include "formats/tensor_type.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <string>
#include <vector>

namespace {

using llava::cuda_check;
using llava::device_buffer;
using llava::tensor_type;

constexpr int warmup_runs = 5;
constexpr int timed_runs = 30;

int64_t g_l2_bytes = 50 << 20;

// How many copies of a `bytes`-sized input set make the rotation at least
// twice the L2 cache.
int rotation_count(size_t bytes) {
    const int64_t count = (2 * g_l2_bytes + static_cast<int64_t>(bytes) - 1) / static_cast<int64_t>(bytes) + 1;
    return static_cast<int>(std::clamp<int64_t>(count, 2, 64));
}

class event_pair {
public:
    event_pair() {
        cuda_check(cudaEventCreate(&start_), "cudaEventCreate");
        cuda_check(cudaEventCreate(&stop_), "cudaEventCreate");
    }
    ~event_pair() {
        cudaEventDestroy(start_);
        cudaEventDestroy(stop_);
    }
    event_pair(const event_pair&) = delete;
    event_pair& operator=(const event_pair&) = delete;
    cudaEvent_t start() const { return start_; }
    cudaEvent_t stop() const { return stop_; }

private:
    cudaEvent_t start_{};
    cudaEvent_t stop_{};
};

// Median milliseconds of run(i), i the rotation index.
template <typename Run>
double median_ms(int rotation, Run&& run) {
    event_pair events;
    for (int i = 0; i < warmup_runs; ++i) run(i % rotation);
    cuda_check(cudaDeviceSynchronize(), "warm-up");
    std::vector<float> times;
    for (int i = 0; i < timed_runs; ++i) {
        cuda_check(cudaEventRecord(events.start()), "cudaEventRecord");
        run((warmup_runs + i) % rotation);
        cuda_check(cudaEventRecord(events.stop()), "cudaEventRecord");
        cuda_check(cudaEventSynchronize(events.stop()), "cudaEventSynchronize");
        float ms = 0.0f;
        cuda_check(cudaEventElapsedTime(&ms, events.start(), events.stop()), "cudaEventElapsedTime");
        times.push_back(ms);
    }
    std::sort(times.begin(), times.end());
    return times[times.size() / 2];
}

void report(const std::string& name, double ms, double value, const char* unit) {
    std::printf("%-34s %10.1f us %10.1f %s\n", name.c_str(), ms * 1e3, value, unit);
    std::printf("RESULT %s %.3f %s %.3f\n", name.c_str(), value, unit, ms * 1e3);
    std::fflush(stdout);
}

std::vector<float> random_vector(size_t n, uint64_t seed, float stddev) {
    std::vector<float> v(n);
    llava::fill_random_normal(v.data(), n, seed, 0, stddev);
    return v;
}

void fill_random_device(const device_buffer& buffer, uint64_t seed, float stddev) {
    const std::vector<float> v = random_vector(buffer.bytes() / sizeof(float), seed, stddev);
    cuda_check(cudaMemcpy(buffer.as<void>(), v.data(), buffer.bytes(), cudaMemcpyHostToDevice), "cudaMemcpy");
}

// N rows of K weights in `type`: 64 quantized random rows, repeated.
std::vector<uint8_t> make_weights(tensor_type type, int64_t N, int64_t K) {
    uint64_t row_size = 0;
    llava::row_bytes(type, static_cast<uint64_t>(K), row_size);
    constexpr int64_t pattern_rows = 64;
    const std::vector<float> source = random_vector(static_cast<size_t>(pattern_rows * K), 11, 0.05f);
    std::vector<uint8_t> pattern(static_cast<size_t>(row_size * pattern_rows));
    for (int64_t r = 0; r < pattern_rows; ++r) {
        llava::quantize_row(type, source.data() + r * K, pattern.data() + r * row_size, K);
    }
    std::vector<uint8_t> W(static_cast<size_t>(row_size * N));
    for (int64_t n = 0; n < N; ++n) {
        std::memcpy(W.data() + n * row_size, pattern.data() + (n % pattern_rows) * row_size, row_size);
    }
    return W;
}

const char* type_name(tensor_type type) { return llava::find_tensor_type(static_cast<uint32_t>(type))->name; }

void bench_memcpy() {
    const size_t bytes = std::max<size_t>(256u << 20, static_cast<size_t>(4 * g_l2_bytes));
    device_buffer a(bytes);
    device_buffer b(bytes);
    cuda_check(cudaMemset(a.as<void>(), 1, bytes), "cudaMemset");
    const double ms = median_ms(1, [&](int) {
        cuda_check(cudaMemcpyAsync(b.as<void>(), a.as<void>(), bytes, cudaMemcpyDeviceToDevice), "cudaMemcpyAsync");
    });
    report("memcpy_d2d", ms, 2.0 * static_cast<double>(bytes) / (ms * 1e-3) / 1e9, "GB/s");
}

void bench_matmul(tensor_type type, int64_t N, int64_t K, int64_t M,
                  llava::cuda_matmul_path path = llava::cuda_matmul_path::automatic) {
    const std::vector<uint8_t> W = make_weights(type, N, K);
    const size_t x_bytes = static_cast<size_t>(M * K) * sizeof(float);
    const size_t y_bytes = static_cast<size_t>(M * N) * sizeof(float);
    const int rotation = rotation_count(W.size() + x_bytes + y_bytes);
    std::vector<std::unique_ptr<device_buffer>> ws, xs, ys;
    for (int i = 0; i < rotation; ++i) {
        ws.push_back(std::make_unique<device_buffer>(W.size()));
        xs.push_back(std::make_unique<device_buffer>(x_bytes));
        ys.push_back(std::make_unique<device_buffer>(y_bytes));
        cuda_check(cudaMemcpy(ws.back()->as<void>(), W.data(), W.size(), cudaMemcpyHostToDevice), "cudaMemcpy");
        fill_random_device(*xs.back(), 100 + static_cast<uint64_t>(i), 1.0f);
    }
    llava::cuda_workspace workspace;
    const double ms = median_ms(rotation, [&](int i) {
        llava::cuda_matmul(type, ws[i]->as<void>(), N, K, xs[i]->as<float>(), M, ys[i]->as<float>(), N, workspace, nullptr,
                           path);
    });
    const bool f32 = path == llava::cuda_matmul_path::prefill_f32;
    const std::string name = std::string(M <= llava::cuda_matmul_decode_rows ? "decode_" : (f32 ? "prefill_f32_" : "prefill_")) +
                             type_name(type) + "_" + std::to_string(N) + "x" + std::to_string(K) + "_M" +
                             std::to_string(M);
    if (M <= llava::cuda_matmul_decode_rows) {
        report(name, ms, static_cast<double>(W.size() + x_bytes + y_bytes) / (ms * 1e-3) / 1e9, "GB/s");
    } else {
        report(name, ms, 2.0 * static_cast<double>(M * N * K) / (ms * 1e-3) / 1e12, "TFLOP/s");
    }
}

template <typename KV>
void bench_attention(const std::string& name, int64_t tokens, int64_t n_head, int64_t D, bool causal) {
    llava::attention_params p{};
    p.n_queries = tokens;
    p.n_keys = tokens;
    p.n_head = n_head;
    p.n_head_kv = n_head;
    p.head_dim = D;
    p.scale = 1.0f / std::sqrt(static_cast<float>(D));
    p.causal = causal;
    p.q_stride = p.kv_stride = p.out_stride = n_head * D;
    const size_t elems = static_cast<size_t>(tokens * n_head * D);
    const int rotation = rotation_count(elems * (2 * sizeof(float) + 2 * sizeof(KV)));
    std::vector<std::unique_ptr<device_buffer>> qs, ks, vs, outs;
    const std::vector<float> values = random_vector(elems, 7, 1.0f);
    std::vector<KV> kv(elems);
    for (size_t i = 0; i < elems; ++i) {
        if constexpr (sizeof(KV) == 2) {
            kv[i] = llava::f32_to_f16(values[i]);
        } else {
            kv[i] = values[i];
        }
    }
    for (int i = 0; i < rotation; ++i) {
        qs.push_back(std::make_unique<device_buffer>(elems * sizeof(float)));
        ks.push_back(std::make_unique<device_buffer>(elems * sizeof(KV)));
        vs.push_back(std::make_unique<device_buffer>(elems * sizeof(KV)));
        outs.push_back(std::make_unique<device_buffer>(elems * sizeof(float)));
        fill_random_device(*qs.back(), 200 + static_cast<uint64_t>(i), 1.0f);
        cuda_check(cudaMemcpy(ks.back()->as<void>(), kv.data(), elems * sizeof(KV), cudaMemcpyHostToDevice), "cudaMemcpy");
        cuda_check(cudaMemcpy(vs.back()->as<void>(), kv.data(), elems * sizeof(KV), cudaMemcpyHostToDevice), "cudaMemcpy");
    }
    llava::cuda_workspace workspace;
    const double ms = median_ms(rotation, [&](int i) {
        if constexpr (sizeof(KV) == 2) {
            llava::cuda_attention_f16(p, qs[i]->as<float>(), ks[i]->as<uint16_t>(), vs[i]->as<uint16_t>(),
                                      outs[i]->as<float>(), workspace, nullptr);
        } else {
            llava::cuda_attention_f32(p, qs[i]->as<float>(), ks[i]->as<float>(), vs[i]->as<float>(),
                                      outs[i]->as<float>(), workspace, nullptr);
        }
    });
    // QKᵀ and PV: 4·tokens²·heads·D, half of it under a causal mask.
    const double flops = 4.0 * static_cast<double>(tokens) * static_cast<double>(tokens) * static_cast<double>(n_head * D) *
                         (causal ? 0.5 : 1.0);
    report(name, ms, flops / (ms * 1e-3) / 1e12, "TFLOP/s");
}

void bench_patch_embed(int64_t image, int64_t patch, int64_t width) {
    const int64_t kdim = 3 * patch * patch;
    const int64_t n_patches = (image / patch) * (image / patch);
    const std::vector<float> kernel_f32 = random_vector(static_cast<size_t>(width * kdim), 3, 0.05f);
    std::vector<uint16_t> kernel(kernel_f32.size());
    for (size_t i = 0; i < kernel.size(); ++i) kernel[i] = llava::f32_to_f16(kernel_f32[i]);
    const size_t pixel_bytes = static_cast<size_t>(3 * image * image) * sizeof(float);
    const size_t out_bytes = static_cast<size_t>((1 + n_patches) * width) * sizeof(float);
    const int rotation = rotation_count(pixel_bytes + kernel.size() * 2 + 2 * out_bytes);
    std::vector<std::unique_ptr<device_buffer>> pixels, kernels, positions, outs;
    for (int i = 0; i < rotation; ++i) {
        pixels.push_back(std::make_unique<device_buffer>(pixel_bytes));
        kernels.push_back(std::make_unique<device_buffer>(kernel.size() * 2));
        positions.push_back(std::make_unique<device_buffer>(out_bytes));
        outs.push_back(std::make_unique<device_buffer>(out_bytes));
        fill_random_device(*pixels.back(), 300 + static_cast<uint64_t>(i), 1.0f);
        fill_random_device(*positions.back(), 400 + static_cast<uint64_t>(i), 0.1f);
        cuda_check(cudaMemcpy(kernels.back()->as<void>(), kernel.data(), kernel.size() * 2, cudaMemcpyHostToDevice),
                   "cudaMemcpy");
    }
    device_buffer bias(static_cast<size_t>(width) * sizeof(float));
    device_buffer class_embd(static_cast<size_t>(width) * sizeof(float));
    fill_random_device(bias, 5, 0.1f);
    fill_random_device(class_embd, 6, 0.1f);
    const double ms = median_ms(rotation, [&](int i) {
        const llava::patch_embed_input in{pixels[i]->as<float>(), image, patch, width, tensor_type::F16,
                                          kernels[i]->as<void>(), bias.as<float>(), class_embd.as<float>(),
                                          positions[i]->as<float>()};
        llava::cuda_patch_embed(in, outs[i]->as<float>(), nullptr);
    });
    const double flops = 2.0 * static_cast<double>(n_patches * width * kdim);
    report("patch_embed_" + std::to_string(image) + "_p" + std::to_string(patch) + "_w" + std::to_string(width), ms,
           flops / (ms * 1e-3) / 1e12, "TFLOP/s");
}

} // namespace

int main() {
    try {
        int device = 0;
        cudaDeviceProp prop{};
        cuda_check(cudaGetDevice(&device), "cudaGetDevice");
        cuda_check(cudaGetDeviceProperties(&prop, device), "cudaGetDeviceProperties");
        g_l2_bytes = prop.l2CacheSize > 0 ? prop.l2CacheSize : g_l2_bytes;
        std::printf("device: %s (sm_%d%d), L2 %lld MiB, median of %d runs after %d warm-up\n", prop.name, prop.major,
                    prop.minor, static_cast<long long>(g_l2_bytes >> 20), timed_runs, warmup_runs);
        std::printf("%-34s %13s %15s\n", "kernel", "median", "rate");
        bench_memcpy();
        const int64_t shapes[3][2] = {{4096, 4096}, {4096, 11008}, {11008, 4096}}; // N x K
        for (tensor_type type : {tensor_type::Q4_0, tensor_type::Q4_K, tensor_type::Q8_0}) {
            for (const auto& s : shapes) bench_matmul(type, s[0], s[1], 1);
        }
        bench_matmul(tensor_type::Q4_0, 4096, 4096, 512);
        bench_matmul(tensor_type::Q4_K, 4096, 4096, 512);
        bench_matmul(tensor_type::Q4_0, 4096, 4096, 512, llava::cuda_matmul_path::prefill_f32);
        bench_attention<float>("attn_vit_577x16x64_f32", 577, 16, 64, false);
        bench_attention<uint16_t>("attn_causal_2048x32x128_f16kv", 2048, 32, 128, true);
        bench_patch_embed(336, 14, 1024);
    } catch (const std::exception& e) {
        std::printf("FAIL %s\n", e.what());
        return 1;
    }
    return 0;
}
