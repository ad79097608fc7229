// CUDA kernels checked against the CPU engine or a float64 reference on fresh
// random inputs (needs a GPU; built only with LLAVA_CUDA). Prints the seed and
// one line per check, and exits non-zero on any failure, including any CUDA
// error. Every GPU output is poisoned first (0xFF bytes = NaN), so an element
// a kernel never writes fails the check.
//
// Tolerances, on ‖out − ref‖ / ‖ref‖:
//  - dequantize: bit-identical (both sides run the same block decoders);
//  - matmul, f32 paths (prefill tiles, decode of non-dp4a formats), vs
//    float64 over the dequantized weights: 1e-5;
//  - matmul, dp4a decode path (8-bit activations, rms error ≈ 0.5%): 1e-2;
//  - matmul, tensor-core prefill (X and weights rounded to f16): 2e-3;
//  - attention (f32 softmax and sums) vs float64 over the same f16/f32 K, V: 1e-4;
//  - patch embedding vs patch_embed_ref (float64): 1e-5;
//  - RMSNorm / LayerNorm vs the CPU (both sum in double): 1e-6;
//  - RoPE, SiLU gating, GELUs, add vs the CPU (libm vs CUDA math ulps): 1e-5.
#include "check.h"
#include "backend/cpu/attention.h"
#include "backend/cpu/elementwise.h"
#include "backend/cpu/patch_embed.h"
#include "backend/cuda/attention.h"
#include "backend/cuda/cuda_check.h"
#include "backend/cuda/cuda_device.h"
#include "backend/cuda/dequantize.h"
#include "backend/cuda/device_buffer.h"
#include "backend/cuda/elementwise.h"
#include "backend/cuda/patch_embed.h"
#include "backend/cuda/qmatmul.h"
#include "common/random_normal.h"
#include "formats/dequantize.h"
#include "formats/half.h"
#include "formats/quantize.h"
#include "formats/tensor_type.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <exception>
#include <random>
#include <string>
#include <vector>

namespace {

using llava::tensor_type;

constexpr double tol_f32_matmul = 1e-5;
constexpr double tol_dp4a_matmul = 1e-2;
constexpr double tol_mma_matmul = 2e-3;
constexpr double tol_attention = 1e-4;
constexpr double tol_patch_embed = 1e-5;
constexpr double tol_norm = 1e-6;
constexpr double tol_pointwise = 1e-5;

uint64_t g_seed = 0;

void check(bool ok, const char* what, const char* detail) { llava_test::check(ok, std::string(what) + " " + detail); }

std::vector<float> random_vector(size_t n, float stddev = 1.0f) {
    std::vector<float> v(n);
    llava::fill_random_normal(v.data(), n, ++g_seed, 0, stddev);
    return v;
}

// ‖out − ref‖ / ‖ref‖ over the elements where `use` says so (all by default);
// NaN (a poisoned element left unwritten) makes it NaN, which fails every check.
template <typename Ref>
double relative_error(const std::vector<float>& out, const std::vector<Ref>& ref) {
    double diff = 0.0;
    double norm = 0.0;
    for (size_t i = 0; i < ref.size(); ++i) {
        const double d = static_cast<double>(out[i]) - static_cast<double>(ref[i]);
        diff += d * d;
        norm += static_cast<double>(ref[i]) * static_cast<double>(ref[i]);
    }
    if (norm == 0.0) return std::sqrt(diff);
    return std::sqrt(diff / norm);
}

void check_error(double err, double tol, const char* what, const std::string& shape) {
    char detail[160];
    std::snprintf(detail, sizeof detail, "%s rel_err=%.3g tol=%.0e", shape.c_str(), err, tol);
    check(err <= tol, what, detail); // false for NaN
}

// Device copies for the kernels that have no host wrapper.
template <typename T>
void upload(llava::device_buffer& dst, const std::vector<T>& src) {
    llava::cuda_check(cudaMemcpy(dst.as<void>(), src.data(), src.size() * sizeof(T), cudaMemcpyHostToDevice),
                      "cudaMemcpy to device");
}

template <typename T>
llava::device_buffer to_device(const std::vector<T>& src) {
    llava::device_buffer buffer(src.size() * sizeof(T));
    upload(buffer, src);
    return buffer;
}

llava::device_buffer poisoned(size_t floats) {
    llava::device_buffer buffer(floats * sizeof(float));
    llava::cuda_check(cudaMemset(buffer.as<void>(), 0xFF, buffer.bytes()), "cudaMemset");
    return buffer;
}

std::vector<float> download(const llava::device_buffer& src) {
    llava::cuda_check(cudaDeviceSynchronize(), "kernel");
    std::vector<float> out(src.bytes() / sizeof(float));
    llava::cuda_check(cudaMemcpy(out.data(), src.as<void>(), src.bytes(), cudaMemcpyDeviceToHost), "cudaMemcpy to host");
    return out;
}

// ---------------------------------------------------------------------------
// Quantizes fresh random rows on the CPU, dequantizes them on both sides, and
// compares bit for bit.
void check_dequantize(tensor_type type, int64_t row_length, int64_t rows) {
    const llava::tensor_type_traits* traits = llava::find_tensor_type(static_cast<uint32_t>(type));
    const int64_t n = row_length * rows;
    std::vector<float> source = random_vector(static_cast<size_t>(n));
    uint64_t row_size = 0;
    llava::row_bytes(type, static_cast<uint64_t>(row_length), row_size);
    std::vector<uint8_t> encoded(static_cast<size_t>(row_size * rows));
    for (int64_t r = 0; r < rows; ++r) {
        llava::quantize_row(type, source.data() + r * row_length, encoded.data() + r * row_size, row_length);
    }
    std::vector<float> cpu(static_cast<size_t>(n));
    llava::dequantize_row(type, encoded.data(), cpu.data(), n);
    std::vector<float> gpu(static_cast<size_t>(n));
    std::memset(gpu.data(), 0xFF, gpu.size() * sizeof(float));
    llava::cuda_dequantize_host(type, encoded.data(), encoded.size(), gpu.data(), n);
    const bool same = std::memcmp(cpu.data(), gpu.data(), cpu.size() * sizeof(float)) == 0;
    char detail[96];
    std::snprintf(detail, sizeof detail, "%s %lldx%lld", traits->name, static_cast<long long>(row_length),
                  static_cast<long long>(rows));
    check(same, "dequantize bit-exact", detail);
}

// ---------------------------------------------------------------------------
// Y = X·Wᵀ on the GPU vs float64 over the CPU-dequantized weights.
void check_matmul(tensor_type type, int64_t N, int64_t K, int64_t M, int64_t ldy, llava::cuda_matmul_path path) {
    const llava::tensor_type_traits* traits = llava::find_tensor_type(static_cast<uint32_t>(type));
    uint64_t row_size = 0;
    llava::row_bytes(type, static_cast<uint64_t>(K), row_size);
    const std::vector<float> source = random_vector(static_cast<size_t>(N * K), 0.05f);
    std::vector<uint8_t> W(static_cast<size_t>(row_size * N));
    for (int64_t n = 0; n < N; ++n) {
        llava::quantize_row(type, source.data() + n * K, W.data() + n * row_size, K);
    }
    std::vector<float> w_values(static_cast<size_t>(N * K));
    llava::dequantize_row(type, W.data(), w_values.data(), N * K);
    const std::vector<float> X = random_vector(static_cast<size_t>(M * K));

    std::vector<double> ref(static_cast<size_t>(M * N));
    for (int64_t m = 0; m < M; ++m) {
        for (int64_t n = 0; n < N; ++n) {
            double sum = 0.0;
            for (int64_t k = 0; k < K; ++k) sum += static_cast<double>(w_values[n * K + k]) * X[m * K + k];
            ref[m * N + n] = sum;
        }
    }
    std::vector<float> Y(static_cast<size_t>((M - 1) * ldy + N));
    llava::cuda_matmul_host(type, W.data(), W.size(), N, K, X.data(), M, Y.data(), ldy, path);
    std::vector<float> packed(static_cast<size_t>(M * N));
    for (int64_t m = 0; m < M; ++m) std::copy_n(Y.begin() + m * ldy, N, packed.begin() + m * N);

    using llava::cuda_matmul_path;
    if (path == cuda_matmul_path::automatic) {
        path = M <= llava::cuda_matmul_decode_rows ? cuda_matmul_path::decode : cuda_matmul_path::prefill;
    }
    const char* kernel = "prefill-f32";
    double tol = tol_f32_matmul;
    if (path == cuda_matmul_path::decode) {
        const bool dp4a = llava::cuda_matmul_uses_dp4a(type);
        kernel = dp4a ? "decode-dp4a" : "decode-f32";
        tol = dp4a ? tol_dp4a_matmul : tol_f32_matmul;
    } else if (path == cuda_matmul_path::prefill && llava::cuda_matmul_uses_tensor_cores(type)) {
        kernel = "prefill-mma";
        tol = tol_mma_matmul;
    }
    char shape[128];
    std::snprintf(shape, sizeof shape, "%s N=%lld K=%lld M=%lld ldy=%lld %s", traits->name, static_cast<long long>(N),
                  static_cast<long long>(K), static_cast<long long>(M), static_cast<long long>(ldy), kernel);
    check_error(relative_error(packed, ref), tol, "matmul", shape);
}

void check_matmuls() {
    using path = llava::cuda_matmul_path;
    for (uint32_t id = 0; id < 64; ++id) {
        const llava::tensor_type_traits* traits = llava::find_tensor_type(id);
        if (traits == nullptr || !traits->can_quantize || !llava::cuda_matmul_supports(traits->type)) continue;
        const tensor_type type = traits->type;
        // K: one 256 block; an odd K where the block size allows (300 for the
        // float types: partial slices; 288 = 9 blocks of 32: a partial tile); 1024.
        const int64_t odd_k = traits->block_size == 1 ? 300 : (traits->block_size <= 32 ? 288 : 512);
        check_matmul(type, 37, 256, 1, 37, path::automatic);
        check_matmul(type, 61, odd_k, 3, 64, path::automatic);
        check_matmul(type, 33, 1024, 8, 33, path::automatic);
        check_matmul(type, 70, odd_k, 9, 73, path::automatic);
        check_matmul(type, 129, 1024, 67, 129, path::automatic);
        check_matmul(type, 129, 1024, 67, 129, path::prefill_f32);
        check_matmul(type, 40, 256, 2, 40, path::prefill); // the prefill kernels at small M
        check_matmul(type, 40, 256, 2, 40, path::prefill_f32);
    }
}

// ---------------------------------------------------------------------------
// Attention vs float64 over the same (f16-decoded) keys and values.
template <typename KV>
std::vector<double> attention_reference(const llava::attention_params& p, const std::vector<float>& q,
                                        const std::vector<KV>& k, const std::vector<KV>& v) {
    auto value = [](KV x) {
        if constexpr (sizeof(KV) == 2) {
            return static_cast<double>(llava::f16_to_f32(x));
        } else {
            return static_cast<double>(x);
        }
    };
    const int64_t D = p.head_dim;
    const int64_t group = p.n_head / p.n_head_kv;
    std::vector<double> out(static_cast<size_t>(p.n_queries * p.n_head * D), 0.0);
    std::vector<double> scores(static_cast<size_t>(std::max<int64_t>(p.n_keys, 1)));
    for (int64_t m = 0; m < p.n_queries; ++m) {
        const int64_t visible = p.causal ? std::min(p.n_keys, p.n_keys - p.n_queries + m + 1) : p.n_keys;
        for (int64_t h = 0; h < p.n_head; ++h) {
            if (visible <= 0) continue;
            const int64_t hk = h / group;
            double max_score = -INFINITY;
            for (int64_t j = 0; j < visible; ++j) {
                double s = 0.0;
                for (int64_t d = 0; d < D; ++d) s += static_cast<double>(q[m * p.q_stride + h * D + d]) * value(k[j * p.kv_stride + hk * D + d]);
                scores[j] = s * p.scale;
                max_score = std::max(max_score, scores[j]);
            }
            double sum = 0.0;
            for (int64_t j = 0; j < visible; ++j) {
                scores[j] = std::exp(scores[j] - max_score);
                sum += scores[j];
            }
            for (int64_t d = 0; d < D; ++d) {
                double acc = 0.0;
                for (int64_t j = 0; j < visible; ++j) acc += scores[j] * value(v[j * p.kv_stride + hk * D + d]);
                out[(m * p.n_head + h) * D + d] = acc / sum;
            }
        }
    }
    return out;
}

template <typename KV>
void check_attention(int64_t n_queries, int64_t n_keys, int64_t n_head, int64_t n_head_kv, int64_t D, bool causal,
                     int splits, int64_t pad) {
    llava::attention_params p{};
    p.n_queries = n_queries;
    p.n_keys = n_keys;
    p.n_head = n_head;
    p.n_head_kv = n_head_kv;
    p.head_dim = D;
    p.scale = 1.0f / std::sqrt(static_cast<float>(D));
    p.causal = causal;
    p.q_stride = n_head * D + pad;
    p.kv_stride = n_head_kv * D + pad;
    p.out_stride = n_head * D + pad;
    const std::vector<float> q = random_vector(static_cast<size_t>(n_queries * p.q_stride));
    const std::vector<float> kf = random_vector(static_cast<size_t>(n_keys * p.kv_stride));
    const std::vector<float> vf = random_vector(static_cast<size_t>(n_keys * p.kv_stride));
    std::vector<KV> k(kf.size());
    std::vector<KV> v(vf.size());
    for (size_t i = 0; i < kf.size(); ++i) {
        if constexpr (sizeof(KV) == 2) {
            k[i] = llava::f32_to_f16(kf[i]);
            v[i] = llava::f32_to_f16(vf[i]);
        } else {
            k[i] = kf[i];
            v[i] = vf[i];
        }
    }
    std::vector<float> out(static_cast<size_t>((n_queries - 1) * p.out_stride + n_head * D));
    if constexpr (sizeof(KV) == 2) {
        llava::cuda_attention_f16_host(p, q.data(), k.data(), v.data(), out.data(), splits);
    } else {
        llava::cuda_attention_f32_host(p, q.data(), k.data(), v.data(), out.data(), splits);
    }
    std::vector<float> packed(static_cast<size_t>(n_queries * n_head * D));
    for (int64_t m = 0; m < n_queries; ++m) {
        std::copy_n(out.begin() + m * p.out_stride, n_head * D, packed.begin() + m * n_head * D);
    }
    const std::vector<double> ref = attention_reference(p, q, k, v);
    char shape[160];
    std::snprintf(shape, sizeof shape, "%s %s q=%lld kv=%lld heads=%lld/%lld D=%lld splits=%d pad=%lld",
                  sizeof(KV) == 2 ? "f16" : "f32", causal ? "causal" : "bidir", static_cast<long long>(n_queries),
                  static_cast<long long>(n_keys), static_cast<long long>(n_head), static_cast<long long>(n_head_kv),
                  static_cast<long long>(D), splits, static_cast<long long>(pad));
    check_error(relative_error(packed, ref), tol_attention, "attention", shape);
}

void check_attentions() {
    // Decoding over a long cache (automatic and forced key splits), GQA.
    check_attention<uint16_t>(1, 1, 4, 4, 64, true, 0, 0);
    check_attention<uint16_t>(1, 1000, 32, 8, 128, true, 0, 0);
    check_attention<uint16_t>(1, 1000, 32, 8, 128, true, 7, 0);
    check_attention<uint16_t>(3, 517, 8, 2, 128, true, 5, 16);
    // Prefill: causal with and without a past, fewer keys than queries.
    check_attention<uint16_t>(37, 37, 8, 2, 128, true, 1, 0);
    check_attention<uint16_t>(45, 300, 4, 4, 64, true, 0, 8);
    check_attention<uint16_t>(40, 20, 4, 1, 64, true, 0, 0);
    check_attention<uint16_t>(130, 130, 32, 32, 128, true, 0, 0);
    // The vision tower: bidirectional f32.
    check_attention<float>(577, 577, 16, 16, 64, false, 0, 0);
    check_attention<float>(50, 50, 3, 3, 128, false, 3, 4);
    check_attention<float>(1, 33, 2, 2, 64, false, 0, 0);
}

// ---------------------------------------------------------------------------
void check_patch_embed(int64_t image, int64_t patch, int64_t width, tensor_type kernel_type, bool with_bias) {
    const int64_t kdim = 3 * patch * patch;
    const int64_t n_patches = (image / patch) * (image / patch);
    const std::vector<float> pixels = random_vector(static_cast<size_t>(3 * image * image));
    const std::vector<float> kernel_f32 = random_vector(static_cast<size_t>(width * kdim), 0.05f);
    std::vector<uint8_t> kernel;
    if (kernel_type == tensor_type::F32) {
        kernel.resize(kernel_f32.size() * sizeof(float));
        std::memcpy(kernel.data(), kernel_f32.data(), kernel.size());
    } else {
        kernel.resize(kernel_f32.size() * 2);
        llava::quantize_row(kernel_type, kernel_f32.data(), kernel.data(), static_cast<int64_t>(kernel_f32.size()));
    }
    const std::vector<float> bias = random_vector(static_cast<size_t>(width));
    const std::vector<float> class_embd = random_vector(static_cast<size_t>(width));
    const std::vector<float> positions = random_vector(static_cast<size_t>((1 + n_patches) * width));
    llava::patch_embed_input in{pixels.data(), image, patch, width, kernel_type, kernel.data(),
                                with_bias ? bias.data() : nullptr, class_embd.data(), positions.data()};
    std::vector<float> ref(static_cast<size_t>((1 + n_patches) * width));
    llava::patch_embed_ref(in, ref.data());
    std::vector<float> out(ref.size());
    llava::cuda_patch_embed_host(in, out.data());
    const llava::tensor_type_traits* traits = llava::find_tensor_type(static_cast<uint32_t>(kernel_type));
    char shape[128];
    std::snprintf(shape, sizeof shape, "image=%lld patch=%lld width=%lld %s%s", static_cast<long long>(image),
                  static_cast<long long>(patch), static_cast<long long>(width), traits->name, with_bias ? " bias" : "");
    check_error(relative_error(out, ref), tol_patch_embed, "patch_embed", shape);
}

// ---------------------------------------------------------------------------
std::string size_text(int64_t rows, int64_t n) { return std::to_string(rows) + "x" + std::to_string(n); }

void check_norms(int64_t rows, int64_t n) {
    const std::vector<float> x = random_vector(static_cast<size_t>(rows * n), 3.0f);
    const std::vector<float> w = random_vector(static_cast<size_t>(n));
    const std::vector<float> b = random_vector(static_cast<size_t>(n));
    const llava::device_buffer dx = to_device(x);
    const llava::device_buffer dw = to_device(w);
    const llava::device_buffer db = to_device(b);
    std::vector<float> ref(x.size());

    llava::rms_norm(x.data(), w.data(), ref.data(), rows, n, 1e-5f);
    llava::device_buffer out = poisoned(x.size());
    llava::cuda_rms_norm(dx.as<float>(), dw.as<float>(), out.as<float>(), rows, n, 1e-5f, nullptr);
    check_error(relative_error(download(out), ref), tol_norm, "rms_norm", size_text(rows, n));

    llava::layer_norm(x.data(), w.data(), b.data(), ref.data(), rows, n, 1e-5f);
    out = poisoned(x.size());
    llava::cuda_layer_norm(dx.as<float>(), dw.as<float>(), db.as<float>(), out.as<float>(), rows, n, 1e-5f, nullptr);
    check_error(relative_error(download(out), ref), tol_norm, "layer_norm", size_text(rows, n));
}

void check_rope(int64_t rows, int64_t n_head, int64_t head_dim, int64_t n_rot, int64_t pad) {
    const int64_t stride = n_head * head_dim + pad;
    const std::vector<float> x = random_vector(static_cast<size_t>(rows * stride));
    std::vector<int32_t> positions(static_cast<size_t>(rows));
    std::mt19937 rng(static_cast<uint32_t>(++g_seed));
    for (auto& p : positions) p = static_cast<int32_t>(rng() % 4096);
    std::vector<float> ref = x;
    llava::rope_adjacent(ref.data(), rows, stride, n_head, head_dim, n_rot, positions.data(), 10000.0f, 1.0f);
    llava::device_buffer dx = to_device(x); // in place: unwritten elements keep their input
    const llava::device_buffer dpos = to_device(positions);
    llava::cuda_rope_adjacent(dx.as<float>(), rows, stride, n_head, head_dim, n_rot, dpos.as<int32_t>(), 10000.0f, 1.0f,
                              nullptr);
    check_error(relative_error(download(dx), ref), tol_pointwise, "rope_adjacent",
                size_text(rows, stride) + " heads=" + std::to_string(n_head) + " n_rot=" + std::to_string(n_rot));
}

void check_pointwise(int64_t n) {
    const std::vector<float> a = random_vector(static_cast<size_t>(n), 3.0f);
    const std::vector<float> b = random_vector(static_cast<size_t>(n), 3.0f);
    const llava::device_buffer da = to_device(a);
    const llava::device_buffer db = to_device(b);
    const std::string shape = std::to_string(n);
    std::vector<float> ref(a.size());

    llava::silu_mul(a.data(), b.data(), ref.data(), n);
    llava::device_buffer out = poisoned(a.size());
    llava::cuda_silu_mul(da.as<float>(), db.as<float>(), out.as<float>(), n, nullptr);
    check_error(relative_error(download(out), ref), tol_pointwise, "silu_mul", shape);

    ref = a;
    llava::add_in_place(ref.data(), b.data(), n);
    llava::device_buffer x = to_device(a);
    llava::cuda_add_in_place(x.as<float>(), db.as<float>(), n, nullptr);
    check_error(relative_error(download(x), ref), tol_pointwise, "add_in_place", shape);

    ref = a;
    llava::quick_gelu_in_place(ref.data(), n);
    upload(x, a);
    llava::cuda_quick_gelu_in_place(x.as<float>(), n, nullptr);
    check_error(relative_error(download(x), ref), tol_pointwise, "quick_gelu", shape);

    ref = a;
    llava::gelu_erf_in_place(ref.data(), n);
    upload(x, a);
    llava::cuda_gelu_erf_in_place(x.as<float>(), n, nullptr);
    check_error(relative_error(download(x), ref), tol_pointwise, "gelu_erf", shape);

    ref = a;
    llava::gelu_tanh_in_place(ref.data(), n);
    upload(x, a);
    llava::cuda_gelu_tanh_in_place(x.as<float>(), n, nullptr);
    check_error(relative_error(download(x), ref), tol_pointwise, "gelu_tanh", shape);
}

} // namespace

int main() {
    try {
        const std::vector<llava::cuda_device_info> devices = llava::list_cuda_devices();
        if (devices.empty()) {
            std::printf("FAIL no CUDA device\n");
            return 1;
        }
        std::printf("device: %s (sm_%d%d)\n", devices[0].name.c_str(), devices[0].major, devices[0].minor);
        g_seed = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
        std::printf("seed: %llu\n", static_cast<unsigned long long>(g_seed));
        std::fflush(stdout);
        for (uint32_t id = 0; id < 64; ++id) {
            const llava::tensor_type_traits* traits = llava::find_tensor_type(id);
            if (traits == nullptr || !traits->can_dequantize) continue;
            // Several shapes, including a single block and an odd row count.
            check_dequantize(traits->type, 256, 1);
            check_dequantize(traits->type, 4096, 7);
            check_dequantize(traits->type, 11008, 33);
        }
        check_matmuls();
        check_attentions();
        check_patch_embed(336, 14, 1024, tensor_type::F16, true);
        check_patch_embed(30, 6, 45, tensor_type::F32, false);
        check_patch_embed(28, 14, 70, tensor_type::BF16, true);
        check_norms(3, 4096);
        check_norms(5, 1001);
        check_norms(577, 1024);
        check_rope(7, 32, 128, 128, 0);
        check_rope(5, 3, 64, 32, 12);
        check_pointwise(100003);
        check_pointwise(7);
    } catch (const std::exception& e) {
        std::printf("FAIL %s\n", e.what());
        return 1;
    }
    return llava_test::finish();
}
