// Timing of the fused CPU attention (backend/cpu/attention.h) on the shapes
// the models use. Not a test: prints a table and always exits 0 unless a
// call throws.
//
// Usage: attention_bench [threads]   (default 2)
//
// Shapes: decode (1 query, 512 and 2048 keys) for TinyLlama (32 query heads ×
// 64, 4 kv heads) and LLaMA-7B (32 × 128, MHA) with the f16 KV cache; a
// 512-token causal prefill for TinyLlama; the CLIP ViT-L/14-336 shape (577
// positions, 16 heads × 64, bidirectional, f32). Each is run with the AVX2
// kernels (when the CPU has them) and the scalar ones.
//
// GB/s counts the bytes that must move at least once (q, K, V, out);
// GFLOP/s counts 4·head_dim flops per visible (query head, key) pair: one
// multiply-add each for q·k and p·v.
#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "backend/cpu/attention.h"
#include "backend/cpu/thread_pool.h"
#include "formats/half.h"

namespace {

using namespace llava;

struct bench_shape {
    const char* name;
    int64_t n_queries, n_keys, n_head, n_head_kv, head_dim;
    bool causal;
    bool f16;
};

// Visible (query, key) pairs per query head.
double visible_pairs(const bench_shape& s) {
    if (!s.causal) return static_cast<double>(s.n_queries) * static_cast<double>(s.n_keys);
    double pairs = 0;
    for (int64_t m = 0; m < s.n_queries; ++m) pairs += static_cast<double>(s.n_keys - s.n_queries + m + 1);
    return pairs;
}

void bench(thread_pool& pool, const bench_shape& s, attention_kernel kernel, std::mt19937& rng) {
    attention_params p{};
    p.n_queries = s.n_queries;
    p.n_keys = s.n_keys;
    p.n_head = s.n_head;
    p.n_head_kv = s.n_head_kv;
    p.head_dim = s.head_dim;
    p.scale = 1.0f / std::sqrt(static_cast<float>(s.head_dim));
    p.causal = s.causal;
    p.q_stride = p.out_stride = s.n_head * s.head_dim;
    p.kv_stride = s.n_head_kv * s.head_dim;

    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> q(static_cast<size_t>(s.n_queries * p.q_stride));
    std::vector<float> out(static_cast<size_t>(s.n_queries * p.out_stride));
    std::vector<float> k32, v32;
    std::vector<uint16_t> k16, v16;
    const size_t kv_elems = static_cast<size_t>(s.n_keys * p.kv_stride);
    for (float& x : q) x = normal(rng);
    if (s.f16) {
        k16.resize(kv_elems);
        v16.resize(kv_elems);
        for (size_t i = 0; i < kv_elems; ++i) {
            k16[i] = f32_to_f16(normal(rng));
            v16[i] = f32_to_f16(normal(rng));
        }
    } else {
        k32.resize(kv_elems);
        v32.resize(kv_elems);
        for (size_t i = 0; i < kv_elems; ++i) {
            k32[i] = normal(rng);
            v32[i] = normal(rng);
        }
    }
    auto call = [&] {
        if (s.f16) {
            cpu_attention_f16(pool, p, kernel, q.data(), k16.data(), v16.data(), out.data());
        } else {
            cpu_attention_f32(pool, p, kernel, q.data(), k32.data(), v32.data(), out.data());
        }
    };

    // Warm up, then repeat for about 0.3 s and report the best run: the
    // kernel's speed, not the machine's noise. Decode K/V fit in cache here
    // (as they would across the layers of one step only for short contexts).
    call();
    using clock = std::chrono::steady_clock;
    double best = 1e30;
    const auto start = clock::now();
    int reps = 0;
    while (reps < 5 || (std::chrono::duration<double>(clock::now() - start).count() < 0.3 && reps < 2000)) {
        const auto t0 = clock::now();
        call();
        best = std::min(best, std::chrono::duration<double>(clock::now() - t0).count());
        ++reps;
    }

    const double bytes = static_cast<double>(kv_elems) * 2.0 * (s.f16 ? 2.0 : 4.0) +
                         static_cast<double>(q.size() + out.size()) * 4.0;
    const double flops = 4.0 * static_cast<double>(s.head_dim) * static_cast<double>(s.n_head) * visible_pairs(s);
    std::printf("%-34s %-6s %9.3f ms %8.1f GB/s %8.1f GFLOP/s\n", s.name,
                kernel == attention_kernel::avx2 ? "avx2" : "scalar", best * 1e3, bytes / best * 1e-9,
                flops / best * 1e-9);
}

} // namespace

int main(int argc, char** argv) {
    const int n_threads = argc > 1 ? std::max(1, std::atoi(argv[1])) : 2;
    thread_pool pool(n_threads);
    std::mt19937 rng(1234);
    std::printf("attention bench, %d thread(s)\n", n_threads);
    std::printf("%-34s %-6s %12s %13s %16s\n", "shape", "kernel", "time", "bandwidth", "compute");

    const bench_shape shapes[] = {
        {"decode TinyLlama 32/4x64 nk=512", 1, 512, 32, 4, 64, true, true},
        {"decode TinyLlama 32/4x64 nk=2048", 1, 2048, 32, 4, 64, true, true},
        {"decode LLaMA-7B 32x128 nk=512", 1, 512, 32, 32, 128, true, true},
        {"decode LLaMA-7B 32x128 nk=2048", 1, 2048, 32, 32, 128, true, true},
        {"prefill TinyLlama 512 causal f16", 512, 512, 32, 4, 64, true, true},
        {"ViT 577 16x64 bidir f32", 577, 577, 16, 16, 64, false, false},
    };
    std::vector<attention_kernel> kernels;
    if (attention_kernel_available(attention_kernel::avx2)) kernels.push_back(attention_kernel::avx2);
    kernels.push_back(attention_kernel::scalar);
    for (const bench_shape& s : shapes) {
        for (const attention_kernel kernel : kernels) bench(pool, s, kernel, rng);
    }
    return 0;
}
