// The small per-row operations of the forward pass on the GPU, with the CPU
// definitions (backend/cpu/elementwise.h): RMSNorm and LayerNorm sum in double
// as there, RoPE builds its angles by the same repeated f32 multiplication,
// and no operation is contracted into an FMA where the CPU rounds twice.
// All pointers are device pointers; every call runs on `stream`.
#pragma once

#include <cstdint>

namespace llava {

// out[r] = x[r] / sqrt(mean(x[r]²) + eps) ⊙ weight. One block per row.
void cuda_rms_norm(const float* x, const float* weight, float* out, int64_t rows, int64_t n, float eps, void* stream);

// out = (x − μ) / sqrt(σ² + eps) ⊙ weight + bias; out may alias x.
void cuda_layer_norm(const float* x, const float* weight, const float* bias, float* out, int64_t rows, int64_t n,
                     float eps, void* stream);

// Adjacent-pair RoPE in place; positions: [rows] int32 on the device.
void cuda_rope_adjacent(float* x, int64_t rows, int64_t row_stride, int64_t n_head, int64_t head_dim, int64_t n_rot,
                        const int32_t* positions, float freq_base, float freq_scale, void* stream);

// out = silu(gate) ⊙ up.
void cuda_silu_mul(const float* gate, const float* up, float* out, int64_t n, void* stream);

// x += y.
void cuda_add_in_place(float* x, const float* y, int64_t n, void* stream);

// In place: x·σ(1.702x); x·Φ(x) (erf); the tanh approximation of GELU.
void cuda_quick_gelu_in_place(float* x, int64_t n, void* stream);
void cuda_gelu_erf_in_place(float* x, int64_t n, void* stream);
void cuda_gelu_tanh_in_place(float* x, int64_t n, void* stream);

} // namespace llava
