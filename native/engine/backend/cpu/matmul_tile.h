// Register-blocked prefill kernels: one call computes a whole tile of outputs
//
//   y[r * ldy + c] = Σ_k W[c][k] · X[r][k]      r < m, c < n
//
// for m converted activation rows × n weight rows. Inside, each weight block
// is decoded once per micro-tile of several activation rows × several weight
// rows (the shapes are in the kernel files), instead of once per output as
// with the per-row dot products of vec_dot.h.
//
// Every kernel reproduces, for each output, the exact arithmetic of the
// matching `_avx2` dot product (the same exact integer sums in the same lanes,
// the same float operations in the same order), so its results are bit-identical
// to those of decoding one activation row at a time (M = 1).
#pragma once

#include <cstdint>

namespace llava {

struct matmul_tile {
    int64_t k;                // elements per row, a whole number of blocks
    const uint8_t* w;         // first weight row of the tile
    int64_t w_row_bytes;
    int64_t n;                // weight rows (outputs per activation row)
    const uint8_t* x;         // first converted activation row of the tile
    int64_t x_row_bytes;
    int64_t m;                // activation rows
    float* y;                 // output of the first (row, weight row)
    int64_t ldy;
};

using matmul_tile_fn = void (*)(const matmul_tile& tile);

// AVX-512 F/BW/VL/VNNI kernels (backend/cpu/avx512/, compiled with those flags
// plus AVX2/FMA/F16C); call only when cpu_matmul_has_avx512vnni().
void matmul_tile_q4_0_q8_0_avx512vnni(const matmul_tile& tile);
void matmul_tile_q8_0_q8_0_avx512vnni(const matmul_tile& tile);
void matmul_tile_q4_K_q8_K_avx512vnni(const matmul_tile& tile);
void matmul_tile_q6_K_q8_K_avx512vnni(const matmul_tile& tile);

} // namespace llava
