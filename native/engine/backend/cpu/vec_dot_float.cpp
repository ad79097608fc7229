// Scalar references for the float weight formats. Products of two f16 (or bf16)
// values are exact in float; sums are accumulated in double, as ggml's scalar
// reference does, so the SIMD kernels are compared against a better sum.
#include "backend/cpu/vec_dot.h"

#include "backend/cpu/unaligned_load.h"
#include "formats/half.h"

namespace llava {

namespace {

template <typename Element, typename ToFloat>
float dot_as_double(int64_t k, const void* w, const void* x, ToFloat to_float) {
    const char* a = static_cast<const char*>(w);
    const char* b = static_cast<const char*>(x);
    double sum = 0.0;
    for (int64_t i = 0; i < k; ++i) {
        const float product = to_float(load_unaligned<Element>(a + i * sizeof(Element))) *
                              to_float(load_unaligned<Element>(b + i * sizeof(Element)));
        sum += static_cast<double>(product);
    }
    return static_cast<float>(sum);
}

} // namespace

float vec_dot_f32_f32_ref(int64_t k, const void* w, const void* x) {
    // An f32 product is not exact in float: widen before multiplying.
    const char* a = static_cast<const char*>(w);
    const char* b = static_cast<const char*>(x);
    double sum = 0.0;
    for (int64_t i = 0; i < k; ++i) {
        sum += static_cast<double>(load_unaligned<float>(a + 4 * i)) * static_cast<double>(load_unaligned<float>(b + 4 * i));
    }
    return static_cast<float>(sum);
}

float vec_dot_f16_f16_ref(int64_t k, const void* w, const void* x) {
    return dot_as_double<uint16_t>(k, w, x, f16_to_f32);
}

float vec_dot_bf16_bf16_ref(int64_t k, const void* w, const void* x) {
    return dot_as_double<uint16_t>(k, w, x, bf16_to_f32);
}

} // namespace llava
