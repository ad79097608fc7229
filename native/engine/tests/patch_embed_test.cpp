// Usage: patch_embed_test [seed]     (the seed is random and printed when omitted)
//
// cpu_patch_embed (tiled unfold + cpu_matmul) against patch_embed_ref (the
// plain float64 definition) on fresh random images, kernels, biases, class
// and position embeddings, at several shapes: patch 14 and 2, images 336 and
// 28, odd widths, with and without a bias, F32 and F16 kernels.
//
// Tolerances, as ‖Δ‖/‖ref‖ over the whole output and max|Δ| / max|ref|:
//  - F32 kernel: only the f32 summation order differs from the float64 sums
//    (≤ 3·p² terms), so 1e-6 for both (measured ~1e-7).
//  - F16 kernel: cpu_matmul rounds the pixels to f16 first (as llama.cpp's
//    im2col does), a relative error of at most 2^-11 per pixel with random
//    sign; the expected ‖Δ‖/‖ref‖ is about 2^-11/√3 ≈ 2.8e-4, so 1e-3 and, for
//    the worst element relative to the output's scale, 2e-3 (measured ≤ 3e-4).
#include "check.h"
#include "backend/cpu/patch_embed.h"
#include "backend/cpu/thread_pool.h"
#include "formats/half.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

namespace {

struct shape {
    int64_t image_size;
    int64_t patch_size;
    int64_t width;
    bool with_bias;
    llava::tensor_type kernel_type;
};

std::vector<float> normal_values(std::mt19937_64& rng, int64_t n) {
    std::normal_distribution<float> dist(0.0f, 1.0f);
    std::vector<float> v(static_cast<size_t>(n));
    for (float& x : v) x = dist(rng);
    return v;
}

void check_shape(llava::thread_pool& pool, std::mt19937_64& rng, const shape& s) {
    const int64_t grid = s.image_size / s.patch_size;
    const int64_t n_rows = 1 + grid * grid;
    const int64_t patch_len = 3 * s.patch_size * s.patch_size;
    const std::vector<float> pixels = normal_values(rng, 3 * s.image_size * s.image_size); // [3][S][S]
    const std::vector<float> kernel_f32 = normal_values(rng, s.width * patch_len);        // [width][3·p²]
    std::vector<uint16_t> kernel_f16(kernel_f32.size());
    for (size_t i = 0; i < kernel_f32.size(); ++i) kernel_f16[i] = llava::f32_to_f16(kernel_f32[i]);
    const std::vector<float> bias = normal_values(rng, s.width);
    const std::vector<float> class_embd = normal_values(rng, s.width);
    const std::vector<float> positions = normal_values(rng, n_rows * s.width); // [1 + n_patches][width]

    llava::patch_embed_input in{};
    in.pixels = pixels.data();
    in.image_size = s.image_size;
    in.patch_size = s.patch_size;
    in.width = s.width;
    in.kernel_type = s.kernel_type;
    in.kernel = s.kernel_type == llava::tensor_type::F16 ? static_cast<const void*>(kernel_f16.data())
                                                         : static_cast<const void*>(kernel_f32.data());
    in.bias = s.with_bias ? bias.data() : nullptr;
    in.class_embd = class_embd.data();
    in.positions = positions.data();

    std::vector<float> got(static_cast<size_t>(n_rows * s.width));
    std::vector<float> want(got.size());
    llava::matmul_workspace ws;
    llava::cpu_patch_embed(pool, ws, in, got.data());
    llava::patch_embed_ref(in, want.data());

    double diff_sq = 0.0, ref_sq = 0.0, max_diff = 0.0, max_ref = 0.0;
    for (size_t i = 0; i < got.size(); ++i) {
        const double d = static_cast<double>(got[i]) - static_cast<double>(want[i]);
        diff_sq += d * d;
        ref_sq += static_cast<double>(want[i]) * want[i];
        max_diff = std::max(max_diff, std::fabs(d));
        max_ref = std::max(max_ref, std::fabs(static_cast<double>(want[i])));
    }
    const double rel = std::sqrt(diff_sq / ref_sq);
    const bool f16 = s.kernel_type == llava::tensor_type::F16;
    const double rel_tol = f16 ? 1e-3 : 1e-6;
    const double max_tol = (f16 ? 2e-3 : 1e-6) * max_ref;
    // The class row does not go through the matmul, so it must match exactly.
    bool class_row_exact = true;
    for (int64_t i = 0; i < s.width; ++i) class_row_exact = class_row_exact && got[static_cast<size_t>(i)] == want[static_cast<size_t>(i)];

    char what[256];
    std::snprintf(what, sizeof what, "image %lld patch %lld width %lld %s %s: rel %.3g (tol %.0e), max|d| %.3g (tol %.3g)",
                  static_cast<long long>(s.image_size), static_cast<long long>(s.patch_size), static_cast<long long>(s.width),
                  f16 ? "F16" : "F32", s.with_bias ? "bias" : "no bias", rel, rel_tol, max_diff, max_tol);
    llava_test::check(rel <= rel_tol && max_diff <= max_tol && class_row_exact, what);
}

} // namespace

int main(int argc, char** argv) {
    const uint64_t seed = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : std::random_device{}();
    std::printf("seed %llu\n", static_cast<unsigned long long>(seed));
    std::mt19937_64 rng(seed);
    llava::thread_pool pool(4);
    const llava::tensor_type F32 = llava::tensor_type::F32;
    const llava::tensor_type F16 = llava::tensor_type::F16;
    const shape shapes[] = {
        {28, 2, 7, true, F32},    {28, 2, 7, false, F16},   {28, 14, 33, true, F16},
        {28, 14, 1, false, F32},  {336, 14, 65, false, F16}, {336, 14, 64, true, F32},
        {336, 2, 5, true, F16},
    };
    for (const shape& s : shapes) check_shape(pool, rng, s);
    return llava_test::finish();
}
