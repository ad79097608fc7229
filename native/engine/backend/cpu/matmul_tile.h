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

#include <algorithm>
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

// Walks a tile in micro-tiles of R activation rows × C weight rows and lets
// kernel(k, w_rows[C], x_rows[R], out[R][C]) compute each micro-tile's R×C
// outputs with its accumulators in registers. At the bottom and right edges a
// micro-tile is completed by repeating the last activation / weight row; those
// extra outputs are computed and dropped, so kernels never see a partial one.
// (Plain C++: usable from every instruction-set folder.)
template <int R, int C, typename Kernel>
void for_each_micro_tile(const matmul_tile& t, Kernel kernel) {
    for (int64_t n0 = 0; n0 < t.n; n0 += C) {
        const uint8_t* w_rows[C];
        for (int c = 0; c < C; ++c) w_rows[c] = t.w + std::min<int64_t>(n0 + c, t.n - 1) * t.w_row_bytes;
        const int valid_c = static_cast<int>(std::min<int64_t>(C, t.n - n0));
        for (int64_t m0 = 0; m0 < t.m; m0 += R) {
            const uint8_t* x_rows[R];
            for (int r = 0; r < R; ++r) x_rows[r] = t.x + std::min<int64_t>(m0 + r, t.m - 1) * t.x_row_bytes;
            const int valid_r = static_cast<int>(std::min<int64_t>(R, t.m - m0));
            float out[R][C];
            kernel(t.k, w_rows, x_rows, out);
            for (int r = 0; r < valid_r; ++r) {
                for (int c = 0; c < valid_c; ++c) t.y[(m0 + r) * t.ldy + n0 + c] = out[r][c];
            }
        }
    }
}

// AVX2 kernels for hosts without AVX-512 VNNI (backend/cpu/avx2/, compiled with
// -mavx2 -mfma -mf16c); call only when cpu_matmul_has_avx2().
void matmul_tile_q4_0_q8_0_avx2(const matmul_tile& tile);
void matmul_tile_q8_0_q8_0_avx2(const matmul_tile& tile);

// AVX-512 F/BW/VL/VNNI kernels (backend/cpu/avx512/, compiled with those flags
// plus AVX2/FMA/F16C); call only when cpu_matmul_has_avx512vnni().
void matmul_tile_q4_0_q8_0_avx512vnni(const matmul_tile& tile);
void matmul_tile_q8_0_q8_0_avx512vnni(const matmul_tile& tile);
void matmul_tile_q4_K_q8_K_avx512vnni(const matmul_tile& tile);
void matmul_tile_q6_K_q8_K_avx512vnni(const matmul_tile& tile);

} // namespace llava
