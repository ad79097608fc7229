// Developer tool: our per-row AVX2 dot products (for quantized weights the
// kernels of matrices whose row count is not a multiple of 8, which llama.cpp
// does not repack; for F32 / F16 the decode kernels) against llama.cpp's own
// ggml_vec_dot_* from one ggml-cpu build (pass its AVX2 build: on an AVX-512
// one llama.cpp's F32 / F16 dot products group 16 lanes, ours AVX-512 ones too), on
// fresh random weights and activations quantized by llama.cpp. Bit-identical
// results mean the 8-bit activations downstream round the same way.
//
//   vec_dot_diff LIBDIR/libggml-cpu-VARIANT.so
#include "backend/cpu/vec_dot.h"
#include "formats/quantize.h"
#include "formats/tensor_type.h"
#include "ggml.h"

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <dlfcn.h>
#include <random>
#include <vector>

namespace {

// The leading fields of ggml-cpu's per-type traits, as its ggml-cpu.h declares them.
struct cpu_type_traits {
    void (*from_float)(const float* x, void* y, int64_t k);
    void (*vec_dot)(int n, float* s, size_t bs, const void* x, size_t bx, const void* y, size_t by, int nrc);
    ggml_type vec_dot_type;
    int64_t nrows;
};

struct format {
    const char* name;
    llava::tensor_type ours;
    ggml_type theirs;
    llava::vec_dot_fn dot;
};

} // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: %s path/to/libggml-cpu-VARIANT.so\n", argv[0]);
        return 2;
    }
    void* lib = dlopen(argv[1], RTLD_NOW);
    if (lib == nullptr) {
        std::fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    reinterpret_cast<void (*)()>(dlsym(lib, "ggml_cpu_init"))();
    const auto traits_of = reinterpret_cast<const cpu_type_traits* (*)(ggml_type)>(dlsym(lib, "ggml_get_type_traits_cpu"));
    const format formats[] = {
        {"F32", llava::tensor_type::F32, GGML_TYPE_F32, llava::vec_dot_f32_f32_avx2},
        {"F16", llava::tensor_type::F16, GGML_TYPE_F16, llava::vec_dot_f16_f16_avx2},
        {"Q4_0", llava::tensor_type::Q4_0, GGML_TYPE_Q4_0, llava::vec_dot_q4_0_q8_0_avx2},
        {"Q8_0", llava::tensor_type::Q8_0, GGML_TYPE_Q8_0, llava::vec_dot_q8_0_q8_0_avx2},
        {"Q2_K", llava::tensor_type::Q2_K, GGML_TYPE_Q2_K, llava::vec_dot_q2_K_q8_K_avx2},
        {"Q3_K", llava::tensor_type::Q3_K, GGML_TYPE_Q3_K, llava::vec_dot_q3_K_q8_K_avx2},
        {"Q4_K", llava::tensor_type::Q4_K, GGML_TYPE_Q4_K, llava::vec_dot_q4_K_q8_K_avx2},
        {"Q5_K", llava::tensor_type::Q5_K, GGML_TYPE_Q5_K, llava::vec_dot_q5_K_q8_K_avx2},
        {"Q6_K", llava::tensor_type::Q6_K, GGML_TYPE_Q6_K, llava::vec_dot_q6_K_q8_K_avx2},
    };
    std::mt19937 rng(std::random_device{}());
    std::normal_distribution<float> normal;
    int failures = 0;
    for (const format& f : formats) {
        const cpu_type_traits* weights = traits_of(f.theirs);
        const cpu_type_traits* activations = traits_of(weights->vec_dot_type);
        int differing = 0, total = 0;
        for (const int64_t k : {256, 512, 1024, 2816, 4096}) {
            for (int trial = 0; trial < 200; ++trial) {
                std::vector<float> w(static_cast<size_t>(k)), x(static_cast<size_t>(k));
                for (float& v : w) v = normal(rng);
                for (float& v : x) v = normal(rng) * static_cast<float>(trial % 3 + 1);
                std::vector<uint8_t> wq(static_cast<size_t>(k) * 4), xq(static_cast<size_t>(k) * 4); // F32 is the widest format
                llava::quantize_row(f.ours, w.data(), wq.data(), k);
                activations->from_float(x.data(), xq.data(), k);
                float theirs = 0.0f;
                weights->vec_dot(static_cast<int>(k), &theirs, 0, wq.data(), 0, xq.data(), 0, 1);
                const float ours = f.dot(k, wq.data(), xq.data());
                differing += std::memcmp(&theirs, &ours, sizeof(float)) != 0;
                ++total;
            }
        }
        std::printf("%s vec_dot: %d of %d differ\n", f.name, differing, total);
        failures += differing != 0;
    }
    return failures == 0 ? 0 : 3;
}
