// Standalone test of cpu_matmul for every supported weight type.
//
// Usage: matmul_test [seed]     (the seed is random and printed when omitted)
// Prints one line per check and exits non-zero if any check fails.
//
// Activation conversion: the rounding rules of Q8_0/Q8_1/Q8_K (ties to even,
// first-on-ties extreme for Q8_K, zero blocks) on hand-made blocks.
//
// Products: fresh random weights (quantize_row) and activations for each type
// and shape (M ∈ {1, 3, 6, 17}, N ∈ {1, 7, 24, 64}, several K), each run with 1, 2 and
// 3 threads into a NaN-poisoned output with a row stride ldy > N:
//  - every output is written, the padding between rows is not, and the result
//    is bit-identical whatever the thread count (each output is one dot call);
//  - the AVX2 kernels (prefill tiles for Q4_0 / Q8_0, per-row dot products for
//    the rest; for Q4_0 / Q4_K / Q2_K with N a multiple of 8 the tiles in
//    llama.cpp's repacked order, decode included) and, where the host has them,
//    the AVX-512 VNNI tiles are
//    bit-identical to the AVX2 per-row dot products (M = 1, one row at a time;
//    for Q4_K / Q2_K in llama.cpp's repacked order, rows in groups of four, see
//    four_row_order_differs); F32 / F16 instead equal, bit for bit, a plain C++
//    rendering of llama.cpp's float orders for that instruction set (its GEMM
//    for several rows, its dot product for one; llama_cpp_float_order);
//  - (a) AVX2 vs scalar kernels: ‖Δ‖ ≤ 1e-5·S, where S = sqrt(Σ_mnk (W·X)²)
//    is the magnitude scale of the products (S ≈ ‖Y‖ for random data, but it
//    cannot be near zero by chance as a single dot product can). They differ
//    only in the order of float accumulation across blocks (observed ≤ 2e-6·S).
//  - (b) vs float64 from the dequantized weights and the dequantized converted
//    activations: ‖Δ‖ ≤ 1e-5·S (float accumulation error only). For Q8_1 the
//    reference takes the block sum of the offset term from the stored s, as
//    the format defines it (s = f16(d·Σq) differs from Σ q·f16(d) by f16
//    rounding).
//  - (c) vs float64 with the original f32 activations: ‖Δ‖ ≤ bound·S with a
//    bound set by the activation format (see activation_error_bound).
#include "check.h"
#include "backend/cpu/cpu_features.h"
#include "backend/cpu/matmul.h"
#include "backend/cpu/thread_pool.h"
#include "common/random_normal.h"
#include "formats/blocks.h"
#include "formats/dequantize.h"
#include "formats/half.h"
#include "formats/quantize.h"
#include "formats/tensor_type.h"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

using namespace llava;

using llava_test::check;

std::string format(const char* fmt, double value) {
    char buffer[64];
    std::snprintf(buffer, sizeof buffer, fmt, value);
    return buffer;
}

// ---------------------------------------------------------------------------
// Activation conversion rules on hand-made blocks.

void test_q8_0_rounding() {
    // amax = 127 makes the applied scale 127/amax exactly 1, so x itself is rounded.
    float x[32] = {127.0f, 2.5f, 3.5f, -2.5f, 0.5f, 1.5f, -0.5f, 126.5f};
    block_q8_0 block;
    convert_matmul_activations(tensor_type::Q8_0, x, &block, 32);
    const int8_t expected[8] = {127, 2, 4, -2, 0, 2, 0, 126};
    check(std::memcmp(block.qs, expected, sizeof expected) == 0 && f16_to_f32(block.d) == 1.0f,
          "Q8_0 activations: d = amax/127, codes round half to even");

    block_q8_1 block1;
    convert_matmul_activations(tensor_type::Q8_1, x, &block1, 32);
    const int code_sum = 127 + 2 + 4 - 2 + 0 + 2 + 0 + 126;
    check(std::memcmp(block1.qs, expected, sizeof expected) == 0 && block1.s == f32_to_f16(static_cast<float>(code_sum)),
          "Q8_1 activations: codes as Q8_0, s = f16(d * sum of codes)");

    const float zeros[32] = {};
    convert_matmul_activations(tensor_type::Q8_0, zeros, &block, 32);
    bool all_zero = block.d == 0;
    for (int8_t q : block.qs) all_zero = all_zero && q == 0;
    check(all_zero, "Q8_0 activations: an all-zero block gets d = 0 and zero codes");
}

void test_q8_K_rounding() {
    // The first extreme is −127/64, so iscale = 64 exactly and x = k/64 maps to k.
    std::vector<float> x(256, 0.0f);
    x[3] = -127.0f / 64;
    x[10] = 127.0f / 64;  // same magnitude, later: must not become the reference
    x[20] = 2.5f / 64;
    x[21] = 3.5f / 64;
    x[40] = -0.5f / 64;
    block_q8_K block;
    convert_matmul_activations(tensor_type::Q8_K, x.data(), &block, 256);
    const bool codes = block.qs[3] == -127 && block.qs[10] == 127 && block.qs[20] == 2 && block.qs[21] == 4 &&
                       block.qs[40] == 0 && block.qs[0] == 0;
    const bool sums = block.bsums[0] == 0 && block.bsums[1] == 6 && block.bsums[2] == 0;
    check(codes && sums && block.d == 1.0f / 64,
          "Q8_K activations: first extreme maps to -127, ties to even, d = 1/iscale, bsums");

    std::vector<float> zeros(256, 0.0f);
    convert_matmul_activations(tensor_type::Q8_K, zeros.data(), &block, 256);
    bool all_zero = block.d == 0.0f;
    for (int8_t q : block.qs) all_zero = all_zero && q == 0;
    for (int16_t s : block.bsums) all_zero = all_zero && s == 0;
    check(all_zero, "Q8_K activations: an all-zero block gets d = 0, zero codes and sums");
}

// ---------------------------------------------------------------------------
// Products.

// (c): the relative error the activation format alone introduces, at most, for
// Gaussian activations, with a factor of 5 over the expected RMS so that a
// single dot product (M = N = 1) does not fail by chance:
//  F32: none (float accumulation only);
//  F16 / BF16: rounding error ≤ 2^-11 / 2^-8 of |x|, RMS ≈ that/√3;
//  Q8_0 / Q8_1: step d = amax/127 per 32, rounding error RMS d/√12 ≈ 0.005·σ
//  (amax of 32 Gaussians ≈ 2.2σ), bound 2.5e-2;
//  Q8_K: amax of 256 Gaussians ≈ 2.9σ, RMS ≈ 0.0066·σ, bound 3.5e-2.
double activation_error_bound(tensor_type activation_type) {
    switch (activation_type) {
        case tensor_type::F32: return 1e-5;
        case tensor_type::F16: return 1.5e-3;
        case tensor_type::BF16: return 1.2e-2;
        case tensor_type::Q8_0: return 2.5e-2;
        case tensor_type::Q8_1: return 2.5e-2;
        case tensor_type::Q8_K: return 3.5e-2;
        default: throw std::logic_error("not an activation format");
    }
}

constexpr double kernel_tolerance = 1e-5;      // (a)
constexpr double dequantized_tolerance = 1e-5; // (b)

// Decodes converted activations (one row of k) back to float.
std::vector<float> dequantize_activations(tensor_type activation_type, const uint8_t* row, int64_t k) {
    std::vector<float> out(static_cast<size_t>(k));
    switch (activation_type) {
        case tensor_type::F32:
        case tensor_type::F16:
        case tensor_type::BF16:
        case tensor_type::Q8_0: dequantize_row(activation_type, row, out.data(), k); break;
        case tensor_type::Q8_1:
            for (int64_t b = 0; b < k / 32; ++b) {
                block_q8_1 block;
                std::memcpy(&block, row + b * sizeof block, sizeof block);
                for (int j = 0; j < 32; ++j) out[32 * b + j] = static_cast<float>(block.qs[j]) * f16_to_f32(block.d);
            }
            break;
        case tensor_type::Q8_K:
            for (int64_t b = 0; b < k / 256; ++b) {
                block_q8_K block;
                std::memcpy(&block, row + b * sizeof block, sizeof block);
                for (int j = 0; j < 256; ++j) out[256 * b + j] = static_cast<float>(block.qs[j]) * block.d;
            }
            break;
        default: throw std::logic_error("not an activation format");
    }
    return out;
}

// The f16 offset m of block b of a Q4_1 / Q5_1 row (stored right after d).
float block_offset(tensor_type type, const uint8_t* row, int64_t b) {
    const int64_t block_bytes = type == tensor_type::Q4_1 ? sizeof(block_q4_1) : sizeof(block_q5_1);
    uint16_t m;
    std::memcpy(&m, row + b * block_bytes + 2, sizeof m);
    return f16_to_f32(m);
}

struct problem {
    tensor_type type;
    int64_t N, K, M, ldy;
    std::vector<uint8_t> weight_storage;  // W starts at weight_offset (1 byte tests misalignment)
    size_t weight_offset;
    uint64_t w_row_size;
    std::vector<float> W_dequantized;     // N x K
    std::vector<float> X;                 // M x K
    const void* W() const { return weight_storage.data() + weight_offset; }
};

problem make_problem(tensor_type type, int64_t N, int64_t K, int64_t M, uint64_t seed) {
    problem p{type, N, K, M, N + 3, {}, static_cast<size_t>(N % 2), 0, {}, {}};
    row_bytes(type, static_cast<uint64_t>(K), p.w_row_size);
    const uint64_t row_size = p.w_row_size;
    std::vector<float> W(static_cast<size_t>(N * K));
    fill_random_normal(W.data(), W.size(), seed, 0, 1.0f);
    p.weight_storage.assign(p.weight_offset + N * row_size, 0);
    p.W_dequantized.resize(W.size());
    std::vector<uint8_t> row(row_size);  // quantize_row wants an aligned destination
    for (int64_t n = 0; n < N; ++n) {
        quantize_row(type, W.data() + n * K, row.data(), K);
        dequantize_row(type, row.data(), p.W_dequantized.data() + n * K, K);
        std::memcpy(p.weight_storage.data() + p.weight_offset + n * row_size, row.data(), row_size);
    }
    p.X.resize(static_cast<size_t>(M * K));
    fill_random_normal(p.X.data(), p.X.size(), seed ^ 0x9e3779b97f4a7c15ull, 0, 1.0f);
    if (M >= 3) std::fill(p.X.begin() + K, p.X.begin() + 2 * K, 0.0f);  // one all-zero row
    return p;
}

// The quiet NaN the outputs are poisoned with; its payload tells it apart.
constexpr uint32_t poison_bits = 0x7fc0dead;

struct run_result {
    std::vector<float> Y;  // M x N, compacted
    bool all_written = true;
    bool padding_untouched = true;
};

run_result run(const problem& p, thread_pool& pool, matmul_kernels kernels) {
    std::vector<float> Y(static_cast<size_t>(p.M * p.ldy));
    for (float& y : Y) std::memcpy(&y, &poison_bits, sizeof y);
    matmul_workspace ws;
    cpu_matmul(pool, ws, p.type, p.W(), p.N, p.K, p.X.data(), p.M, Y.data(), p.ldy, kernels);
    run_result r;
    for (int64_t m = 0; m < p.M; ++m) {
        for (int64_t n = 0; n < p.ldy; ++n) {
            const float y = Y[m * p.ldy + n];
            uint32_t bits;
            std::memcpy(&bits, &y, sizeof bits);
            if (n < p.N) {
                r.all_written = r.all_written && std::isfinite(y);
                r.Y.push_back(y);
            } else {
                r.padding_untouched = r.padding_untouched && bits == poison_bits;
            }
        }
    }
    return r;
}

// The M = 1 (decoding) path of `kernels` applied to each activation row in
// turn, M x N: one per-row dot product per output.
// Runs the activation rows in separate calls of `group` rows (the M mod group
// last rows one at a time).
std::vector<float> run_row_by_row(const problem& p, thread_pool& pool, matmul_kernels kernels, int64_t group = 1) {
    std::vector<float> Y(static_cast<size_t>(p.M * p.N));
    matmul_workspace ws;
    const int64_t grouped_rows = p.M - p.M % group;
    for (int64_t m = 0; m < p.M;) {
        const int64_t rows = m < grouped_rows ? group : 1;
        cpu_matmul(pool, ws, p.type, p.W(), p.N, p.K, p.X.data() + m * p.K, rows, Y.data() + m * p.N, p.N, kernels);
        m += rows;
    }
    return Y;
}

// Whether cpu_matmul follows llama.cpp's CPU_REPACK order here (matmul.cpp,
// vec_dot.h `_interleaved`), in which Q4_K and Q2_K sum groups of four
// activation rows in another order than single rows: those groups are checked
// against computing them alone instead of one row at a time.
bool four_row_order_differs(tensor_type type, int64_t N, matmul_kernels kernels) {
    if (N % 8 != 0) return false;
    return type == tensor_type::Q4_K || (type == tensor_type::Q2_K && kernels == matmul_kernels::avx512vnni);
}

// F32 / F16 weights follow llama.cpp's float orders, which depend on the
// instruction set (8 lanes for AVX2, 16 for AVX-512) and on the batch: its
// GEMM for several rows when K is a whole number of lane steps, else its dot
// product (4 accumulators over 4-lane-width steps). llama_cpp_float_order
// computes those sums in plain C++ for comparison.
bool is_float_format(tensor_type type) { return type == tensor_type::F32 || type == tensor_type::F16; }

// GCC's reduce tree (halves down to 4 lanes, then (0+2) + (1+3)), or, for the
// AVX2 dot product, halves then adjacent pairs.
float reduce_lanes(std::vector<float> v, bool adjacent_pairs_last) {
    while (v.size() > 4) {
        const size_t h = v.size() / 2;
        for (size_t i = 0; i < h; ++i) v[i] = v[i + h] + v[i];
        v.resize(h);
    }
    return adjacent_pairs_last ? (v[0] + v[1]) + (v[2] + v[3]) : (v[0] + v[2]) + (v[1] + v[3]);
}

std::vector<float> llama_cpp_float_order(const problem& p, int lanes) {
    const bool f16 = p.type == tensor_type::F16;
    auto x_at = [&](int64_t m, int64_t k) { return f16 ? f16_to_f32(f32_to_f16(p.X[m * p.K + k])) : p.X[m * p.K + k]; };
    std::vector<float> Y(static_cast<size_t>(p.M * p.N));
    const bool gemm = p.M > 1 && p.K % lanes == 0;
    for (int64_t m = 0; m < p.M; ++m) {
        for (int64_t n = 0; n < p.N; ++n) {
            const float* w = p.W_dequantized.data() + n * p.K;
            float result;
            if (gemm) {
                std::vector<float> acc(static_cast<size_t>(lanes), 0.0f);
                for (int64_t k = 0; k < p.K; ++k) acc[k % lanes] = std::fma(w[k], x_at(m, k), acc[k % lanes]);
                result = reduce_lanes(acc, false);
            } else {
                const int64_t step = 4 * lanes, steps = p.K / step * step;
                std::vector<float> acc(static_cast<size_t>(step), 0.0f);
                for (int64_t k = 0; k < steps; ++k) acc[k % step] = std::fma(w[k], x_at(m, k), acc[k % step]);
                std::vector<float> folded(static_cast<size_t>(lanes));
                for (int t = 0; t < lanes; ++t) folded[t] = (acc[t] + acc[2 * lanes + t]) + (acc[lanes + t] + acc[3 * lanes + t]);
                const float tree = reduce_lanes(folded, lanes == 8);
                if (f16) {
                    double sum = tree;
                    for (int64_t k = steps; k < p.K; ++k) sum += static_cast<double>(w[k] * x_at(m, k));
                    result = static_cast<float>(sum);
                } else {
                    result = tree;
                    for (int64_t k = steps; k < p.K; ++k) result = std::fma(w[k], x_at(m, k), result);
                }
            }
            Y[static_cast<size_t>(m * p.N + n)] = result;
        }
    }
    return Y;
}

bool bit_identical(const std::vector<float>& a, const std::vector<float>& b) {
    return a.size() == b.size() && std::memcmp(a.data(), b.data(), a.size() * sizeof(float)) == 0;
}

const char* kernels_name(matmul_kernels kernels) {
    switch (kernels) {
        case matmul_kernels::scalar: return "scalar";
        case matmul_kernels::avx2: return "avx2";
        case matmul_kernels::avx512vnni: return "avx512vnni";
        case matmul_kernels::automatic: break;
    }
    return "automatic";
}

double norm_of_difference(const std::vector<float>& a, const std::vector<double>& b) {
    double sum = 0.0;
    for (size_t i = 0; i < a.size(); ++i) sum += (a[i] - b[i]) * (a[i] - b[i]);
    return std::sqrt(sum);
}

double norm(const std::vector<double>& a) {
    double sum = 0.0;
    for (double v : a) sum += v * v;
    return std::sqrt(sum);
}

// Float64 products of the dequantized weights with the original activations
// (`original`), with the dequantized converted activations (`converted`), and
// the magnitude scale S.
struct references {
    std::vector<double> original, converted;
    double scale = 0.0;
};

references compute_references(const problem& p) {
    const tensor_type activation_type = matmul_activation_type(p.type);
    uint64_t x_row_size = 0;
    row_bytes(activation_type, static_cast<uint64_t>(p.K), x_row_size);
    references r;
    r.original.assign(static_cast<size_t>(p.M * p.N), 0.0);
    r.converted.assign(static_cast<size_t>(p.M * p.N), 0.0);
    double scale_squared = 0.0;
    std::vector<uint8_t> x_row(x_row_size);
    for (int64_t m = 0; m < p.M; ++m) {
        const float* x = p.X.data() + m * p.K;
        convert_matmul_activations(activation_type, x, x_row.data(), p.K);
        const std::vector<float> x_converted = dequantize_activations(activation_type, x_row.data(), p.K);
        for (int64_t n = 0; n < p.N; ++n) {
            const float* w = p.W_dequantized.data() + n * p.K;
            double original = 0.0, converted = 0.0;
            for (int64_t k = 0; k < p.K; ++k) {
                original += static_cast<double>(w[k]) * x[k];
                converted += static_cast<double>(w[k]) * x_converted[k];
                scale_squared += (static_cast<double>(w[k]) * x[k]) * (static_cast<double>(w[k]) * x[k]);
            }
            if (activation_type == tensor_type::Q8_1) {
                // The offset term m·Σx uses the stored block sum s instead of Σx.
                const uint8_t* w_row = static_cast<const uint8_t*>(p.W()) + n * p.w_row_size;
                for (int64_t b = 0; b < p.K / 32; ++b) {
                    block_q8_1 block;
                    std::memcpy(&block, x_row.data() + b * sizeof block, sizeof block);
                    double block_sum = 0.0;
                    for (int j = 0; j < 32; ++j) block_sum += x_converted[32 * b + j];
                    converted += static_cast<double>(block_offset(p.type, w_row, b)) * (f16_to_f32(block.s) - block_sum);
                }
            }
            r.original[m * p.N + n] = original;
            r.converted[m * p.N + n] = converted;
        }
    }
    r.scale = std::sqrt(scale_squared);
    return r;
}

void test_products(tensor_type type, int64_t K, int64_t N, int64_t M, uint64_t seed, const std::vector<thread_pool*>& pools) {
    const std::string name = std::string(find_tensor_type(static_cast<uint32_t>(type))->name) +
                             " K=" + std::to_string(K) + " N=" + std::to_string(N) + " M=" + std::to_string(M);
    const problem p = make_problem(type, N, K, M, seed);
    const references ref = compute_references(p);
    const bool have_avx2 = cpu_matmul_has_avx2();

    // Runs one kernel set with every pool; checks the writes and that all
    // thread counts agree bit for bit. Returns the single-thread result.
    auto run_all_pools = [&](matmul_kernels kernels, bool& ok, std::string& problems) {
        std::vector<float> first;
        for (thread_pool* pool : pools) {
            const run_result r = run(p, *pool, kernels);
            const std::string where = std::string(" ") + kernels_name(kernels) + " threads=" + std::to_string(pool->size());
            if (!r.all_written) { ok = false; problems += where + ": unwritten/non-finite output"; }
            if (!r.padding_untouched) { ok = false; problems += where + ": wrote past N"; }
            if (first.empty()) {
                first = r.Y;
            } else if (std::memcmp(first.data(), r.Y.data(), first.size() * sizeof(float)) != 0) {
                ok = false;
                problems += where + ": differs from threads=1";
            }
        }
        return first;
    };

    bool ok = true;
    std::string problems;
    const std::vector<float> scalar = run_all_pools(matmul_kernels::scalar, ok, problems);
    const std::vector<float>& best = have_avx2 ? run_all_pools(matmul_kernels::avx2, ok, problems) : scalar;

    std::string line = name + " threads=1,2,3";
    // The prefill kernels must reproduce the per-row dot products (decoding
    // one row at a time, or four where four_row_order_differs) bit for bit.
    auto check_against_rows = [&](const std::vector<float>& Y, matmul_kernels kernels) {
        if (is_float_format(type)) {
            const int lanes = kernels == matmul_kernels::avx512vnni ? 16 : 8;
            if (!bit_identical(Y, llama_cpp_float_order(p, lanes))) {
                ok = false;
                problems += std::string(" ") + kernels_name(kernels) + ": not llama.cpp's " + std::to_string(lanes) + "-lane order";
            }
            line += std::string(" | ") + kernels_name(kernels) + " == llama.cpp's order bitwise";
            return;
        }
        const int64_t group = four_row_order_differs(type, N, kernels) ? 4 : 1;
        if (!bit_identical(Y, run_row_by_row(p, *pools.front(), kernels, group))) {
            ok = false;
            problems += std::string(" ") + kernels_name(kernels) + ": not bit-identical to row groups of " + std::to_string(group);
        }
        line += std::string(" | ") + kernels_name(kernels) + " == M=" + std::to_string(group) + " bitwise";
    };
    if (have_avx2) check_against_rows(best, matmul_kernels::avx2);
    if (cpu_matmul_has_avx512vnni()) {
        const std::vector<float> vnni = run_all_pools(matmul_kernels::avx512vnni, ok, problems);
        if (is_float_format(type) ||
            four_row_order_differs(type, N, matmul_kernels::avx512vnni) != four_row_order_differs(type, N, matmul_kernels::avx2)) {
            check_against_rows(vnni, matmul_kernels::avx512vnni);  // llama.cpp repacks Q2_K on AVX-512 hosts only
        } else {
            // Otherwise the AVX-512 VNNI tiles follow the AVX2 kernels (`best` is checked above).
            if (!bit_identical(vnni, best)) { ok = false; problems += " avx512vnni: not bit-identical to avx2"; }
            line += " | avx512vnni == avx2 bitwise";
        }
    }
    if (have_avx2) {
        std::vector<double> scalar_as_double(scalar.begin(), scalar.end());
        const double kernel_error = norm_of_difference(best, scalar_as_double) / ref.scale;
        ok = ok && kernel_error <= kernel_tolerance;
        line += " | (a) avx2-scalar " + format("%.1e", kernel_error);
    } else {
        line += " | (a) skipped: no AVX2";
    }
    const double dequantized_error = std::max(norm_of_difference(scalar, ref.converted),
                                              norm_of_difference(best, ref.converted)) / ref.scale;
    const double original_error = norm_of_difference(best, ref.original) / ref.scale;
    const double bound = activation_error_bound(matmul_activation_type(type));
    ok = ok && dequantized_error <= dequantized_tolerance && original_error <= bound;
    line += " | (b) " + format("%.1e", dequantized_error) + " | (c) " + format("%.1e", original_error) +
            " <= " + format("%.1e", bound) + " (rel ||dY||/||Y|| " +
            format("%.1e", norm_of_difference(best, ref.original) / std::max(norm(ref.original), 1e-300)) + ")";
    check(ok, line + problems);
}

void test_argument_checks(thread_pool& pool) {
    matmul_workspace ws;
    std::vector<uint8_t> w(1024);
    std::vector<float> x(256), y(8);
    auto throws = [&](tensor_type type, int64_t N, int64_t K, int64_t M, int64_t ldy) {
        try {
            cpu_matmul(pool, ws, type, w.data(), N, K, x.data(), M, y.data(), ldy);
        } catch (const std::invalid_argument&) {
            return true;
        }
        return false;
    };
    check(throws(tensor_type::Q8_K, 1, 256, 1, 1), "rejects Q8_K weights (activation-only format)");
    check(throws(tensor_type::Q4_0, 1, 48, 1, 1), "rejects K not a multiple of the block size");
    check(throws(tensor_type::Q4_0, 2, 32, 2, 1), "rejects ldy < N");
    check(!cpu_matmul_supports(tensor_type::IQ2_XXS) && cpu_matmul_supports(tensor_type::IQ4_XS),
          "cpu_matmul_supports lists the implemented types");
}

} // namespace

int main(int argc, char** argv) {
    const uint64_t seed = argc > 1 ? std::strtoull(argv[1], nullptr, 0)
                                   : (static_cast<uint64_t>(std::random_device{}()) << 32) | std::random_device{}();
    std::printf("seed %llu (rerun with: matmul_test %llu)\n", static_cast<unsigned long long>(seed),
                static_cast<unsigned long long>(seed));
    const cpu_features& features = host_cpu_features();
    std::printf("host: avx2=%d fma=%d f16c=%d avx512 f=%d bw=%d vl=%d vnni=%d -> %s kernels\n", features.avx2,
                features.fma, features.f16c, features.avx512f, features.avx512bw, features.avx512vl, features.avx512vnni,
                cpu_matmul_has_avx512vnni() ? "AVX-512 VNNI" : cpu_matmul_has_avx2() ? "AVX2" : "scalar");

    test_q8_0_rounding();
    test_q8_K_rounding();

    thread_pool one(1), two(2), three(3);
    std::vector<thread_pool*> pools = {&one, &two, &three};
    test_argument_checks(two);

    const tensor_type types[] = {tensor_type::F32,  tensor_type::F16,  tensor_type::BF16,   tensor_type::Q4_0,
                                 tensor_type::Q4_1, tensor_type::Q5_0, tensor_type::Q5_1,   tensor_type::Q8_0,
                                 tensor_type::Q2_K, tensor_type::Q3_K, tensor_type::Q4_K,   tensor_type::Q5_K,
                                 tensor_type::Q6_K, tensor_type::IQ4_NL, tensor_type::IQ4_XS};
    uint64_t case_seed = seed;
    for (tensor_type type : types) {
        const uint32_t block = find_tensor_type(static_cast<uint32_t>(type))->block_size;
        std::vector<int64_t> Ks = {256, 512, 4096};
        if (block == 32) Ks.insert(Ks.begin(), {32, 96});
        if (block == 1) Ks.insert(Ks.begin(), {7, 33});  // SIMD tails
        for (int64_t K : Ks) {
            for (int64_t N : {1, 7, 24, 64}) {
                for (int64_t M : {1, 3, 6, 17}) {
                    test_products(type, K, N, M, ++case_seed, pools);
                }
            }
        }
    }

    return llava_test::finish();
}
