#include "backend/cpu/portable/portable_matmul.h"

#include "backend/cpu/activation_quantize.h"
#include "formats/blocks.h"
#include "formats/half.h"
#include "formats/packed_scales.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <string>

namespace llava {

namespace {

// ggml's reference Q8_0 rounding (quantize_row_q8_0_ref).
void quantize_q8_0_reference(const float* x, block_q8_0* out, int64_t n) {
    for (int64_t b = 0; b < n / 32; ++b) {
        const float* xb = x + b * 32;
        float amax = 0.0f;
        for (int j = 0; j < 32; ++j) amax = std::max(amax, std::fabs(xb[j]));
        const float d = amax / 127.0f;
        const float id = d != 0.0f ? 1.0f / d : 0.0f;
        out[b].d = f32_to_f16(d);
        for (int j = 0; j < 32; ++j) out[b].qs[j] = static_cast<int8_t>(std::round(xb[j] * id));
    }
}

float dot_f32(int64_t k, const void* w, const void* x) {
    const auto* a = static_cast<const float*>(w);
    const auto* b = static_cast<const float*>(x);
    double sum = 0.0;
    for (int64_t i = 0; i < k; ++i) sum += static_cast<double>(a[i] * b[i]);
    return static_cast<float>(sum);
}

float dot_f16(int64_t k, const void* w, const void* x) {
    const auto* a = static_cast<const uint16_t*>(w);
    const auto* b = static_cast<const uint16_t*>(x);
    double sum = 0.0;
    for (int64_t i = 0; i < k; ++i) sum += static_cast<double>(f16_to_f32(a[i]) * f16_to_f32(b[i]));
    return static_cast<float>(sum);
}

float dot_q8_0(int64_t k, const void* w, const void* x) {
    const auto* a = static_cast<const block_q8_0*>(w);
    const auto* b = static_cast<const block_q8_0*>(x);
    float sum = 0.0f;
    for (int64_t i = 0; i < k / 32; ++i) {
        int isum = 0;
        for (int j = 0; j < 32; ++j) isum += a[i].qs[j] * b[i].qs[j];
        sum += static_cast<float>(isum) * (f16_to_f32(a[i].d) * f16_to_f32(b[i].d));
    }
    return sum;
}

float dot_q4_K(int64_t k, const void* w, const void* x) {
    const auto* a = static_cast<const block_q4_K*>(w);
    const auto* b = static_cast<const block_q8_K*>(x);
    float lanes[8] = {};
    float sum = 0.0f;
    for (int64_t i = 0; i < k / 256; ++i) {
        int scales[8], mins[8];
        for (int j = 0; j < 8; ++j) unpack_q4_K_scale_min(a[i].scales, j, scales[j], mins[j]);
        int8_t codes[256];
        for (int j = 0; j < 4; ++j) {
            for (int l = 0; l < 32; ++l) {
                codes[64 * j + l] = static_cast<int8_t>(a[i].qs[32 * j + l] & 0x0f);
                codes[64 * j + 32 + l] = static_cast<int8_t>(a[i].qs[32 * j + l] >> 4);
            }
        }
        int32_t lane_sums[8] = {};
        for (int e = 0; e < 256; ++e) lane_sums[e % 8] += scales[e / 32] * (b[i].qs[e] * codes[e]);
        int min_sum = 0;
        for (int g = 0; g < 16; ++g) min_sum += b[i].bsums[g] * mins[g / 2];
        const float d = f16_to_f32(a[i].d) * b[i].d;
        for (int l = 0; l < 8; ++l) lanes[l] += d * static_cast<float>(lane_sums[l]);
        const float dmin = f16_to_f32(a[i].dmin) * b[i].d;
        sum -= dmin * static_cast<float>(min_sum);
    }
    for (int l = 0; l < 8; ++l) sum += lanes[l];
    return sum;
}

float dot_q6_K(int64_t k, const void* w, const void* x) {
    const auto* a = static_cast<const block_q6_K*>(w);
    const auto* b = static_cast<const block_q8_K*>(x);
    float lanes[8] = {};
    for (int64_t i = 0; i < k / 256; ++i) {
        int8_t codes[256];
        for (int half = 0; half < 2; ++half) {
            const uint8_t* ql = a[i].ql + 64 * half;
            const uint8_t* qh = a[i].qh + 32 * half;
            int8_t* c = codes + 128 * half;
            for (int l = 0; l < 32; ++l) {
                c[l] = static_cast<int8_t>(((ql[l] & 0x0f) | (((qh[l] >> 0) & 3) << 4)) - 32);
                c[l + 32] = static_cast<int8_t>(((ql[l + 32] & 0x0f) | (((qh[l] >> 2) & 3) << 4)) - 32);
                c[l + 64] = static_cast<int8_t>(((ql[l] >> 4) | (((qh[l] >> 4) & 3) << 4)) - 32);
                c[l + 96] = static_cast<int8_t>(((ql[l + 32] >> 4) | (((qh[l] >> 6) & 3) << 4)) - 32);
            }
        }
        int32_t lane_sums[8] = {};
        for (int e = 0; e < 256; ++e) lane_sums[e % 8] += a[i].scales[e / 16] * (b[i].qs[e] * codes[e]);
        const float d = f16_to_f32(a[i].d) * b[i].d;
        for (int l = 0; l < 8; ++l) lanes[l] += d * static_cast<float>(lane_sums[l]);
    }
    float sum = 0.0f;
    for (int l = 0; l < 8; ++l) sum += lanes[l];
    return sum;
}

struct portable_kernel {
    tensor_type activation_type;
    float (*dot)(int64_t k, const void* w, const void* x);
};

const portable_kernel* find_kernel(tensor_type type) {
    static const portable_kernel f32{tensor_type::F32, dot_f32};
    static const portable_kernel f16{tensor_type::F16, dot_f16};
    static const portable_kernel q8_0{tensor_type::Q8_0, dot_q8_0};
    static const portable_kernel q4_K{tensor_type::Q8_K, dot_q4_K};
    static const portable_kernel q6_K{tensor_type::Q8_K, dot_q6_K};
    switch (type) {
        case tensor_type::F32: return &f32;
        case tensor_type::F16: return &f16;
        case tensor_type::Q8_0: return &q8_0;
        case tensor_type::Q4_K: return &q4_K;
        case tensor_type::Q6_K: return &q6_K;
        default: return nullptr;
    }
}

void convert_row(tensor_type activation_type, const float* x, void* out, int64_t k) {
    switch (activation_type) {
        case tensor_type::F32: copy_activations_f32(x, out, k); break;
        case tensor_type::F16: convert_activations_f16(x, out, k); break;
        case tensor_type::Q8_0: quantize_q8_0_reference(x, static_cast<block_q8_0*>(out), k); break;
        // x86 llama.cpp builds all take the reference Q8_K conversion.
        default: quantize_activations_q8_K(x, out, k); break;
    }
}

} // namespace

bool cpu_matmul_portable_supports(tensor_type type) { return find_kernel(type) != nullptr; }

void cpu_matmul_portable(thread_pool& pool, matmul_workspace& ws, tensor_type type, const void* W, int64_t N, int64_t K,
                         const float* x, int64_t M, float* y, int64_t ldy) {
    const portable_kernel* kernel = find_kernel(type);
    if (kernel == nullptr) {
        const tensor_type_traits* traits = find_tensor_type(static_cast<uint32_t>(type));
        throw std::invalid_argument(std::string("the llama.cpp-portable numerics do not take ") +
                                    (traits != nullptr ? traits->name : "this type of") +
                                    " weights (F32, F16, Q8_0, Q4_K and Q6_K only)");
    }
    uint64_t w_row = 0, x_row = 0;
    if (N < 0 || M < 0 || K <= 0 || !row_bytes(type, static_cast<uint64_t>(K), w_row) ||
        !row_bytes(kernel->activation_type, static_cast<uint64_t>(K), x_row) || (M > 1 && ldy < N)) {
        throw std::invalid_argument("cpu_matmul_portable: bad sizes");
    }
    ws.activations.resize(static_cast<size_t>(x_row * static_cast<uint64_t>(M)));
    for (int64_t m = 0; m < M; ++m) convert_row(kernel->activation_type, x + m * K, ws.activations.data() + m * x_row, K);
    const uint8_t* acts = ws.activations.data();
    pool.run([&](int ith, int nth) {
        const auto [n0, n1] = thread_range(N, ith, nth);
        for (int64_t n = n0; n < n1; ++n) {
            const uint8_t* w = static_cast<const uint8_t*>(W) + static_cast<uint64_t>(n) * w_row;
            for (int64_t m = 0; m < M; ++m) y[m * ldy + n] = kernel->dot(K, w, acts + m * x_row);
        }
    });
}

} // namespace llava
