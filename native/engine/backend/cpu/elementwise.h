// The small per-row operations of the LLaMA forward pass. Numerics follow
// llama.cpp's CPU operators (double-precision sum of squares in RMSNorm, RoPE
// angles built by repeated f32 multiplication) so logits track llama.cpp's.
#pragma once

#include <cstdint>

namespace llava {

// out[r] = x[r] / sqrt(mean(x[r]²) + eps) ⊙ weight, for `rows` rows of n.
void rms_norm(const float* x, const float* weight, float* out, int64_t rows, int64_t n, float eps);

// How RoPE rounds a0·c − a1·s and a0·s + a1·c: `fused`, the first product of
// each folded into an FMA, as GCC contracts it in llama.cpp's FMA builds, or
// `separate`, every product rounded, as in its portable build.
enum class rope_rounding { fused, separate };

// Rotary position embedding in the adjacent-pair ("normal", llama.cpp mode 0)
// form, in place: for each row r (position positions[r]) and each head, pairs
// (2i, 2i+1) of the first n_rot dimensions rotate by p · freq_scale · base^(−2i/n_rot).
void rope_adjacent(float* x, int64_t rows, int64_t row_stride, int64_t n_head, int64_t head_dim, int64_t n_rot,
                   const int32_t* positions, float freq_base, float freq_scale,
                   rope_rounding rounding = rope_rounding::fused);

// out = silu(gate) ⊙ up, silu(z) = z / (1 + e^−z).
void silu_mul(const float* gate, const float* up, float* out, int64_t n);

// x += y.
void add_in_place(float* x, const float* y, int64_t n);

// The vision tower's operations (CLIP ViT and its projector).

// LayerNorm with bias, for `rows` rows of n: out = (x − μ) / sqrt(σ² + eps) ⊙ weight + bias,
// σ² the biased variance (divided by n). Sums in double; out may alias x.
void layer_norm(const float* x, const float* weight, const float* bias, float* out, int64_t rows, int64_t n, float eps);

// CLIP's quick-GELU, in place: x · σ(1.702·x).
void quick_gelu_in_place(float* x, int64_t n);

// The exact GELU, in place: x · Φ(x) = x/2 · (1 + erf(x/√2)) (PyTorch's default).
void gelu_erf_in_place(float* x, int64_t n);

// The tanh approximation of GELU, in place: x/2 · (1 + tanh(√(2/π) · (x + 0.044715·x³))) (what llama.cpp uses).
void gelu_tanh_in_place(float* x, int64_t n);

} // namespace llava
