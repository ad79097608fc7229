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
// to those of decoding one activation row at a time (M = 1). The exceptions are
// the F32 / F16 kernels, which follow llama.cpp's float GEMM (its order for a
// batch differs from its dot product's), and the `_interleaved` kernels, which follow llama.cpp's CPU_REPACK kernels
// instead: the AVX2 and AVX-512 versions agree bit for bit, and the `_x4` ones
// (for groups of four activation rows) differ from the others as llama.cpp's
// four-row kernel differs from its one-row kernel.
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

// As for_each_micro_tile, but the m mod R last activation rows (a decode's
// single row) go to single_row_kernel, an R = 1 kernel, instead of being
// completed by repeated rows.
template <int R, int C, typename Kernel, typename SingleRowKernel>
void for_each_micro_tile_rows(const matmul_tile& t, Kernel kernel, SingleRowKernel single_row_kernel) {
    const int64_t full_rows = t.m - t.m % R;
    if (full_rows > 0) {
        matmul_tile head = t;
        head.m = full_rows;
        for_each_micro_tile<R, C>(head, kernel);
    }
    if (full_rows < t.m) {
        matmul_tile tail = t;
        tail.x += full_rows * t.x_row_bytes;
        tail.y += full_rows * t.ldy;
        tail.m = t.m - full_rows;
        for_each_micro_tile<1, C>(tail, single_row_kernel);
    }
}

// For kernels that stream C weight rows at once, a pattern that defeats the
// hardware prefetchers when the weights come from DRAM (such a decode ran at
// half the speed of the row-by-row kernels): fetches `bytes` of each row at
// `distance` bytes past `offset`.
template <int C, int64_t distance>
inline void prefetch_weight_rows(const uint8_t* const* w, int64_t offset, int bytes) {
    for (int c = 0; c < C; ++c) {
        for (int line = 0; line < bytes; line += 64) __builtin_prefetch(w[c] + offset + distance + line);
    }
}

// AVX2 kernels for hosts without AVX-512 VNNI (backend/cpu/avx2/, compiled with
// -mavx2 -mfma -mf16c); call only when cpu_matmul_has_avx2().
void matmul_tile_q4_0_q8_0_avx2(const matmul_tile& tile);
void matmul_tile_q8_0_q8_0_avx2(const matmul_tile& tile);
// F32 / F16 weights in llama.cpp's AVX2 float GEMM order (matmul_float_avx2.cpp),
// which differs from the order of the dot products used for one row.
void matmul_tile_f32_avx2(const matmul_tile& tile);
void matmul_tile_f16_avx2(const matmul_tile& tile);

// AVX2 kernels in the order of llama.cpp's CPU_REPACK kernels, for weights with
// a multiple of 8 rows (matmul_tile_interleaved_avx2.cpp); `_x4`: the order of
// its four-row kernel, for the first M − M mod 4 rows of a prefill.
void matmul_tile_q4_0_q8_0_interleaved_avx2(const matmul_tile& tile);
void matmul_tile_q4_K_q8_K_interleaved_avx2(const matmul_tile& tile);
void matmul_tile_q4_K_q8_K_interleaved_x4_avx2(const matmul_tile& tile);
void matmul_tile_q2_K_q8_K_interleaved_avx2(const matmul_tile& tile);
void matmul_tile_q2_K_q8_K_interleaved_x4_avx2(const matmul_tile& tile);

// AVX-512 F/BW/VL/VNNI kernels (backend/cpu/avx512/, compiled with those flags
// plus AVX2/FMA/F16C); call only when cpu_matmul_has_avx512vnni().
void matmul_tile_q4_0_q8_0_avx512vnni(const matmul_tile& tile);
void matmul_tile_q8_0_q8_0_avx512vnni(const matmul_tile& tile);
void matmul_tile_q4_K_q8_K_avx512vnni(const matmul_tile& tile);
void matmul_tile_q6_K_q8_K_avx512vnni(const matmul_tile& tile);
// F32 / F16 weights in llama.cpp's AVX-512 float GEMM order (matmul_float_avx512.cpp).
void matmul_tile_f32_avx512(const matmul_tile& tile);
void matmul_tile_f16_avx512(const matmul_tile& tile);
// In the order of the `_interleaved` AVX2 kernels above (bit-identical to them).
void matmul_tile_q4_0_q8_0_interleaved_avx512vnni(const matmul_tile& tile);
void matmul_tile_q4_K_q8_K_interleaved_avx512vnni(const matmul_tile& tile);
void matmul_tile_q4_K_q8_K_interleaved_x4_avx512vnni(const matmul_tile& tile);

} // namespace llava
