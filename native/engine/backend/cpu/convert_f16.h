// Row conversion of f16 to f32, the hot path of dequantizing F16 weights
// (LLaVA's mmproj files and F16 text models). Dispatches at run time to an
// F16C kernel where the CPU has it; the scalar reference is formats/half.h.
#pragma once

#include <cstdint>

namespace llava {

// `src` need not be 2-byte aligned.
void convert_f16_to_f32(const uint16_t* src, float* dst, int64_t n);

// The F16C kernel itself (backend/cpu/avx2/, compiled with -mavx2 -mfma -mf16c);
// call only when host_cpu_features().f16c.
void convert_f16_to_f32_f16c(const uint16_t* src, float* dst, int64_t n);

} // namespace llava
