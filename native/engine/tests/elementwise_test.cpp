// The decoder's elementwise operations against float64 on fresh random inputs:
// SiLU gating through every kernel the CPU has (AVX-512, AVX2, scalar; the
// vector exps included, with their saturation ranges), RoPE and RMSNorm.
#include "backend/cpu/cpu_features.h"
#include "backend/cpu/elementwise.h"
#include "backend/cpu/elementwise_simd.h"
#include "tests/check.h"

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

using namespace llava;
using llava_test::check;

namespace {

double silu_times_f64(double g, double u) { return g / (1.0 + std::exp(-g)) * u; }

// Max error relative to max(|reference|, 1e-30 floor on tiny values).
double max_rel_error(const std::vector<float>& out, const std::vector<double>& ref) {
    double worst = 0.0;
    for (size_t i = 0; i < out.size(); ++i) {
        const double scale = std::max(std::fabs(ref[i]), 1e-30);
        worst = std::max(worst, std::fabs(static_cast<double>(out[i]) - ref[i]) / scale);
    }
    return worst;
}

void check_silu(std::mt19937_64& rng) {
    // n not a multiple of 16: the scalar tails run too. Gates span the exps'
    // range reductions: |x| < 88 (ordinary), 88..133 (two-step scaling), beyond (saturation).
    const int64_t n = 16 * 257 + 11;
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> gate(n), up(n);
    for (int64_t i = 0; i < n; ++i) {
        gate[static_cast<size_t>(i)] = normal(rng) * (i % 7 == 0 ? 60.0f : 4.0f);
        up[static_cast<size_t>(i)] = normal(rng);
    }
    const float specials[] = {0.0f, -0.0f, 100.0f, -100.0f, 200.0f, -200.0f, 87.5f, -87.5f, 1e-8f, -1e-8f};
    for (size_t i = 0; i < std::size(specials); ++i) gate[i * 3] = specials[i];
    std::vector<double> ref(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) ref[static_cast<size_t>(i)] = silu_times_f64(gate[static_cast<size_t>(i)], up[static_cast<size_t>(i)]);

    struct variant {
        const char* name;
        bool available;
        void (*fn)(const float*, const float*, float*, int64_t);
    };
    const cpu_features& cpu = host_cpu_features();
    const variant variants[] = {
        {"dispatched", true, silu_mul},
        {"avx512", cpu.avx512f && cpu.avx512dq, silu_mul_avx512},
        {"avx2", cpu.avx2 && cpu.fma, silu_mul_avx2},
    };
    for (const variant& v : variants) {
        if (!v.available) {
            std::printf("SKIP silu_mul %s: this CPU lacks it\n", v.name);
            continue;
        }
        std::vector<float> out(static_cast<size_t>(n));
        v.fn(gate.data(), up.data(), out.data(), n);
        bool finite = true;
        for (float x : out) finite = finite && std::isfinite(x);
        const double err = max_rel_error(out, ref);
        char line[200];
        std::snprintf(line, sizeof line, "silu_mul %s, n=%" PRId64 ": max rel error vs float64 %.2e (tol 1e-6), all finite",
                      v.name, n, err);
        check(err <= 1e-6 && finite, line);
    }
}

void check_rope(std::mt19937_64& rng) {
    const int64_t rows = 9, n_head = 3, head_dim = 64, stride = n_head * head_dim + 5;
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> x(static_cast<size_t>(rows * stride));
    for (float& e : x) e = normal(rng);
    std::vector<int32_t> pos(rows);
    for (int64_t r = 0; r < rows; ++r) pos[static_cast<size_t>(r)] = static_cast<int32_t>(r * 37 + 3);
    const float base = 10000.0f, freq_scale = 0.5f;
    std::vector<float> out = x;
    rope_adjacent(out.data(), rows, stride, n_head, head_dim, head_dim, pos.data(), base, freq_scale);
    double worst = 0.0;
    for (int64_t r = 0; r < rows; ++r) {
        for (int64_t h = 0; h < n_head; ++h) {
            for (int64_t i = 0; i < head_dim; i += 2) {
                const double theta = freq_scale * pos[static_cast<size_t>(r)] * std::pow(double(base), -double(i) / head_dim);
                const size_t o = static_cast<size_t>(r * stride + h * head_dim + i);
                const double a = x[o], b = x[o + 1];
                worst = std::max(worst, std::fabs(out[o] - (a * std::cos(theta) - b * std::sin(theta))));
                worst = std::max(worst, std::fabs(out[o + 1] - (a * std::sin(theta) + b * std::cos(theta))));
            }
        }
    }
    char line[160];
    // The f32 angle recurrence drifts by a few ulp of θ (θ up to ~300 rad here).
    std::snprintf(line, sizeof line, "rope_adjacent vs float64: max abs error %.2e (tol 2e-4)", worst);
    check(worst <= 2e-4, line);
}

void check_rms_norm(std::mt19937_64& rng) {
    const int64_t rows = 5, n = 1000;
    std::normal_distribution<float> normal(0.0f, 1.0f);
    std::vector<float> x(static_cast<size_t>(rows * n)), w(static_cast<size_t>(n)), out(x.size());
    for (float& e : x) e = 3.0f * normal(rng);
    for (float& e : w) e = 1.0f + 0.1f * normal(rng);
    rms_norm(x.data(), w.data(), out.data(), rows, n, 1e-5f);
    double worst = 0.0;
    for (int64_t r = 0; r < rows; ++r) {
        double ss = 0.0;
        for (int64_t i = 0; i < n; ++i) ss += double(x[static_cast<size_t>(r * n + i)]) * x[static_cast<size_t>(r * n + i)];
        const double inv = 1.0 / std::sqrt(ss / n + 1e-5);
        for (int64_t i = 0; i < n; ++i) {
            const size_t o = static_cast<size_t>(r * n + i);
            const double ref = x[o] * inv * w[static_cast<size_t>(i)];
            worst = std::max(worst, std::fabs(out[o] - ref) / std::max(std::fabs(ref), 1e-3));
        }
    }
    char line[160];
    std::snprintf(line, sizeof line, "rms_norm vs float64: max rel error %.2e (tol 1e-6)", worst);
    check(worst <= 1e-6, line);
}

} // namespace

int main(int argc, char** argv) {
    const uint64_t seed = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : std::random_device{}();
    std::printf("seed %" PRIu64 " (rerun with: elementwise_test %" PRIu64 ")\n", seed, seed);
    std::mt19937_64 rng(seed);
    check_silu(rng);
    check_rope(rng);
    check_rms_norm(rng);
    return llava_test::finish();
}
