// The 'llama.cpp-portable' kernels (backend/cpu/portable/) against float64 on
// fresh random inputs. Their bit-exactness with llama.cpp's portable build is
// checked against that build itself (test/vision/llamacpp-mode); this checks
// they compute the right thing, to the precision of their formats.
#include "backend/cpu/portable/flash_attention_portable.h"
#include "backend/cpu/portable/portable_attention.h"
#include "backend/cpu/portable/portable_elementwise.h"
#include "backend/cpu/portable/portable_matmul.h"
#include "formats/dequantize.h"
#include "formats/half.h"
#include "formats/quantize.h"
#include "tests/check.h"

#include <algorithm>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

using namespace llava;
using llava_test::check;

namespace {

std::vector<float> normal_values(std::mt19937_64& rng, size_t n, float spread = 1.0f) {
    std::normal_distribution<float> normal(0.0f, spread);
    std::vector<float> v(n);
    for (float& x : v) x = normal(rng);
    return v;
}

std::string sci(double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.2e", v);
    return buf;
}

double rel_error(const std::vector<float>& out, const std::vector<double>& ref) {
    double num = 0.0, den = 0.0;
    for (size_t i = 0; i < out.size(); ++i) {
        num += (out[i] - ref[i]) * (out[i] - ref[i]);
        den += ref[i] * ref[i];
    }
    return std::sqrt(num / den);
}

void check_matmul(std::mt19937_64& rng, thread_pool& pool) {
    // Tolerances: the activations are rounded to the weight type's dot format
    // (f16: 2^-11 relative; 8-bit blocks: steps of 1/127 of the block maximum,
    // about 0.6 % rms relative error on a dot product of Gaussian values).
    const struct {
        tensor_type type;
        const char* name;
        double tolerance;
    } types[] = {{tensor_type::F32, "F32", 1e-6}, {tensor_type::F16, "F16", 1e-3}, {tensor_type::Q8_0, "Q8_0", 1.5e-2},
                 {tensor_type::Q4_K, "Q4_K", 1.5e-2}, {tensor_type::Q6_K, "Q6_K", 1.5e-2}};
    const int64_t N = 24, K = 512, M = 5;
    matmul_workspace ws;
    for (const auto& t : types) {
        const std::vector<float> w = normal_values(rng, static_cast<size_t>(N * K));
        const std::vector<float> x = normal_values(rng, static_cast<size_t>(M * K));
        uint64_t row = 0;
        row_bytes(t.type, static_cast<uint64_t>(K), row);
        std::vector<uint8_t> wq(static_cast<size_t>(row * N));
        std::vector<float> wd(w.size());
        for (int64_t n = 0; n < N; ++n) {
            quantize_row(t.type, w.data() + n * K, wq.data() + n * row, K);
            dequantize_row(t.type, wq.data() + n * row, wd.data() + n * K, K);
        }
        std::vector<double> ref(static_cast<size_t>(M * N));
        for (int64_t m = 0; m < M; ++m)
            for (int64_t n = 0; n < N; ++n) {
                double s = 0.0;
                for (int64_t k = 0; k < K; ++k) s += static_cast<double>(wd[n * K + k]) * x[m * K + k];
                ref[static_cast<size_t>(m * N + n)] = s;
            }
        std::vector<float> y(ref.size());
        cpu_matmul_portable(pool, ws, t.type, wq.data(), N, K, x.data(), M, y.data(), N);
        const double err = rel_error(y, ref);
        check(err <= t.tolerance, std::string("cpu_matmul_portable ") + t.name + ": rel error " + sci(err) +
                                      " vs float64 with the dequantized weights (tol " + sci(t.tolerance) + ")");
    }
}

std::vector<double> attention_reference(const attention_params& p, const std::vector<float>& q, const std::vector<uint16_t>& k,
                                        const std::vector<uint16_t>& v) {
    std::vector<double> out(static_cast<size_t>(p.n_queries * p.out_stride), 0.0);
    const int64_t rep = p.n_head / p.n_head_kv;
    for (int64_t m = 0; m < p.n_queries; ++m) {
        for (int64_t h = 0; h < p.n_head; ++h) {
            const int64_t g = h / rep;
            const int64_t end = p.causal ? p.n_keys - p.n_queries + m + 1 : p.n_keys;
            std::vector<double> s(static_cast<size_t>(end));
            double max = -1e300;
            for (int64_t j = 0; j < end; ++j) {
                double d = 0.0;
                for (int64_t i = 0; i < p.head_dim; ++i)
                    d += static_cast<double>(q[m * p.q_stride + h * p.head_dim + i]) * f16_to_f32(k[j * p.kv_stride + g * p.head_dim + i]);
                s[static_cast<size_t>(j)] = d * p.scale;
                max = std::max(max, s[static_cast<size_t>(j)]);
            }
            double sum = 0.0;
            for (double& e : s) sum += (e = std::exp(e - max));
            for (int64_t i = 0; i < p.head_dim; ++i) {
                double acc = 0.0;
                for (int64_t j = 0; j < end; ++j) acc += s[static_cast<size_t>(j)] / sum * f16_to_f32(v[j * p.kv_stride + g * p.head_dim + i]);
                out[static_cast<size_t>(m * p.out_stride + h * p.head_dim + i)] = acc;
            }
        }
    }
    return out;
}

void check_attention(std::mt19937_64& rng, thread_pool& pool) {
    for (const bool causal : {true, false}) {
        attention_params p{};
        p.n_queries = causal ? 7 : 70; // the tiled flash attention needs ≥ 64 queries
        p.n_keys = causal ? 40 : 70;
        p.n_head = 4;
        p.n_head_kv = causal ? 2 : 4;
        p.head_dim = 64;
        p.scale = 0.125f;
        p.causal = causal;
        p.q_stride = p.out_stride = p.n_head * p.head_dim;
        p.kv_stride = p.n_head_kv * p.head_dim;
        const std::vector<float> q = normal_values(rng, static_cast<size_t>(p.n_queries * p.q_stride));
        std::vector<uint16_t> k(static_cast<size_t>(p.n_keys * p.kv_stride)), v(k.size());
        const std::vector<float> kf = normal_values(rng, k.size()), vf = normal_values(rng, v.size());
        for (size_t i = 0; i < k.size(); ++i) {
            k[i] = f32_to_f16(kf[i]);
            v[i] = f32_to_f16(vf[i]);
        }
        const std::vector<double> ref = attention_reference(p, q, k, v);
        std::vector<float> out(ref.size());
        if (causal) {
            cpu_attention_f16_portable(pool, p, q.data(), k.data(), v.data(), out.data());
        } else {
            flash_attention_portable(pool, p, q.data(), k.data(), v.data(), out.data());
        }
        const double err = rel_error(out, ref);
        // Queries and probabilities rounded to f16 (classic attention), or f32 throughout (flash).
        const double tol = causal ? 2e-3 : 1e-5;
        check(err <= tol, std::string(causal ? "cpu_attention_f16_portable (causal, GQA)" : "flash_attention_portable") +
                              ": rel error " + sci(err) + " vs float64 (tol " + sci(tol) + ")");
    }
}

void check_elementwise(std::mt19937_64& rng) {
    double worst = 0.0;
    for (float x : normal_values(rng, 10000, 20.0f)) {
        const double ref = std::exp(static_cast<double>(x));
        worst = std::max(worst, std::fabs(exp_portable(x) - ref) / ref);
    }
    check(worst <= 3e-7, "exp_portable: max rel error " + sci(worst) + " vs float64 over |x| ≲ 80 (tol 3e-7)");
    check(exp_portable(-200.0f) == 0.0f && std::isinf(exp_portable(200.0f)), "exp_portable saturates to 0 and +inf");

    const int64_t rows = 3, n = 130;
    const std::vector<float> x = normal_values(rng, static_cast<size_t>(rows * n), 3.0f);
    const std::vector<float> w = normal_values(rng, static_cast<size_t>(n)), b = normal_values(rng, static_cast<size_t>(n));
    std::vector<float> out(x.size());
    layer_norm_portable(x.data(), w.data(), b.data(), out.data(), rows, n, 1e-5f);
    std::vector<double> ref(x.size());
    for (int64_t r = 0; r < rows; ++r) {
        double mean = 0.0, var = 0.0;
        for (int64_t i = 0; i < n; ++i) mean += x[r * n + i];
        mean /= n;
        for (int64_t i = 0; i < n; ++i) var += (x[r * n + i] - mean) * (x[r * n + i] - mean);
        var /= n;
        for (int64_t i = 0; i < n; ++i) ref[r * n + i] = (x[r * n + i] - mean) / std::sqrt(var + 1e-5) * w[i] + b[i];
    }
    const double err = rel_error(out, ref);
    check(err <= 1e-6, "layer_norm_portable: rel error " + sci(err) + " vs float64 (tol 1e-6)");
}

} // namespace

int main(int argc, char** argv) {
    const uint64_t seed = argc > 1 ? std::strtoull(argv[1], nullptr, 10) : std::random_device{}();
    std::printf("seed %" PRIu64 " (rerun with: portable_test %" PRIu64 ")\n", seed, seed);
    std::mt19937_64 rng(seed);
    thread_pool pool(2);
    check_matmul(rng, pool);
    check_attention(rng, pool);
    check_elementwise(rng);
    return llava_test::finish();
}
