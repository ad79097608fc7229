#include "backend/cpu/matmul.h"

#include "backend/cpu/activation_quantize.h"
#include "backend/cpu/cpu_features.h"
#include "backend/cpu/matmul_tile.h"
#include "backend/cpu/vec_dot.h"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace llava {

namespace {

// Kernels in the order of llama.cpp's CPU_REPACK kernels (matmul_tile.h
// `_interleaved`): for one activation row and the M mod 4 last prefill rows,
// and (`_x4`) for the other prefill rows, in AVX2 and AVX-512 VNNI versions
// (the latter, where null, falling back to the former).
struct interleaved_kernels {
    matmul_tile_fn avx2 = nullptr;
    matmul_tile_fn avx2_x4 = nullptr;
    matmul_tile_fn avx512vnni = nullptr;
    matmul_tile_fn avx512vnni_x4 = nullptr;
    bool needs_avx512 = false;
};

// The dot products for one weight type: its activation format, the two
// implementations of the block product (vec_dot.h) and, where there are ones,
// the AVX2 and AVX-512 VNNI prefill tiles (matmul_tile.h).
struct weight_kernels {
    tensor_type activation_type;
    vec_dot_fn scalar;
    vec_dot_fn avx2;
    matmul_tile_fn avx512vnni_tile = nullptr;
    matmul_tile_fn avx2_tile = nullptr;
    // Where llama.cpp's CPU backend repacks this type (CPU_REPACK: row count a
    // multiple of 8, an AVX2 host, for Q2_K an AVX-512 one), kernels in its
    // order, which replace the others there, for decode as well.
    interleaved_kernels interleaved{};
    // Where llama.cpp's AVX-512 dot product groups its sum differently from its
    // AVX2 one (the float formats): that order, for decode on AVX-512 hosts.
    vec_dot_fn avx512 = nullptr;
};

const weight_kernels* find_weight_kernels(tensor_type type) {
    static const weight_kernels f32{tensor_type::F32,     vec_dot_f32_f32_ref,    vec_dot_f32_f32_avx2,
                                    matmul_tile_f32_avx512, matmul_tile_f32_avx2, {}, vec_dot_f32_f32_avx512};
    static const weight_kernels f16{tensor_type::F16,     vec_dot_f16_f16_ref,    vec_dot_f16_f16_avx2,
                                    matmul_tile_f16_avx512, matmul_tile_f16_avx2, {}, vec_dot_f16_f16_avx512};
    static const weight_kernels bf16{tensor_type::BF16, vec_dot_bf16_bf16_ref, vec_dot_bf16_bf16_avx2};
    static const weight_kernels q4_0{tensor_type::Q8_0, vec_dot_q4_0_q8_0_ref, vec_dot_q4_0_q8_0_avx2,
                                         matmul_tile_q4_0_q8_0_avx512vnni, matmul_tile_q4_0_q8_0_avx2,
                                         {matmul_tile_q4_0_q8_0_interleaved_avx2, matmul_tile_q4_0_q8_0_interleaved_avx2,
                                          matmul_tile_q4_0_q8_0_interleaved_avx512vnni,
                                          matmul_tile_q4_0_q8_0_interleaved_avx512vnni}};
    static const weight_kernels q4_1{tensor_type::Q8_1, vec_dot_q4_1_q8_1_ref, vec_dot_q4_1_q8_1_avx2};
    static const weight_kernels q5_0{tensor_type::Q8_0, vec_dot_q5_0_q8_0_ref, vec_dot_q5_0_q8_0_avx2};
    static const weight_kernels q5_1{tensor_type::Q8_1, vec_dot_q5_1_q8_1_ref, vec_dot_q5_1_q8_1_avx2};
    static const weight_kernels q8_0{tensor_type::Q8_0, vec_dot_q8_0_q8_0_ref, vec_dot_q8_0_q8_0_avx2,
                                         matmul_tile_q8_0_q8_0_avx512vnni, matmul_tile_q8_0_q8_0_avx2};
    static const weight_kernels iq4_nl{tensor_type::Q8_0, vec_dot_iq4_nl_q8_0_ref, vec_dot_iq4_nl_q8_0_avx2};
    static const weight_kernels q2_K{tensor_type::Q8_K, vec_dot_q2_K_q8_K_ref, vec_dot_q2_K_q8_K_avx2, nullptr, nullptr,
                                         {matmul_tile_q2_K_q8_K_interleaved_avx2, matmul_tile_q2_K_q8_K_interleaved_x4_avx2,
                                          nullptr, nullptr, true}};
    static const weight_kernels q3_K{tensor_type::Q8_K, vec_dot_q3_K_q8_K_ref, vec_dot_q3_K_q8_K_avx2};
    static const weight_kernels q4_K{tensor_type::Q8_K, vec_dot_q4_K_q8_K_ref, vec_dot_q4_K_q8_K_avx2,
                                         matmul_tile_q4_K_q8_K_avx512vnni, nullptr,
                                         {matmul_tile_q4_K_q8_K_interleaved_avx2, matmul_tile_q4_K_q8_K_interleaved_x4_avx2,
                                          matmul_tile_q4_K_q8_K_interleaved_avx512vnni,
                                          matmul_tile_q4_K_q8_K_interleaved_x4_avx512vnni}};
    static const weight_kernels q5_K{tensor_type::Q8_K, vec_dot_q5_K_q8_K_ref, vec_dot_q5_K_q8_K_avx2};
    static const weight_kernels q6_K{tensor_type::Q8_K, vec_dot_q6_K_q8_K_ref, vec_dot_q6_K_q8_K_avx2,
                                         matmul_tile_q6_K_q8_K_avx512vnni};
    static const weight_kernels iq4_xs{tensor_type::Q8_K, vec_dot_iq4_xs_q8_K_ref, vec_dot_iq4_xs_q8_K_avx2};
    switch (type) {
        case tensor_type::F32: return &f32;
        case tensor_type::F16: return &f16;
        case tensor_type::BF16: return &bf16;
        case tensor_type::Q4_0: return &q4_0;
        case tensor_type::Q4_1: return &q4_1;
        case tensor_type::Q5_0: return &q5_0;
        case tensor_type::Q5_1: return &q5_1;
        case tensor_type::Q8_0: return &q8_0;
        case tensor_type::IQ4_NL: return &iq4_nl;
        case tensor_type::Q2_K: return &q2_K;
        case tensor_type::Q3_K: return &q3_K;
        case tensor_type::Q4_K: return &q4_K;
        case tensor_type::Q5_K: return &q5_K;
        case tensor_type::Q6_K: return &q6_K;
        case tensor_type::IQ4_XS: return &iq4_xs;
        default: return nullptr;
    }
}

const weight_kernels& require_weight_kernels(tensor_type type) {
    const weight_kernels* kernels = find_weight_kernels(type);
    if (kernels == nullptr) {
        const tensor_type_traits* traits = find_tensor_type(static_cast<uint32_t>(type));
        throw std::invalid_argument(std::string("cpu_matmul: unsupported weight type ") +
                                    (traits ? traits->name : std::to_string(static_cast<uint32_t>(type))));
    }
    return *kernels;
}

// The kernel set to run: `choice`, or for `automatic` the best the host has.
matmul_kernels resolve_kernels(matmul_kernels choice) {
    switch (choice) {
        case matmul_kernels::scalar: return choice;
        case matmul_kernels::avx2:
            if (!cpu_matmul_has_avx2()) throw std::runtime_error("cpu_matmul: the CPU lacks AVX2/FMA/F16C");
            return choice;
        case matmul_kernels::avx512vnni:
            if (!cpu_matmul_has_avx512vnni()) {
                throw std::runtime_error("cpu_matmul: the CPU lacks AVX-512 F/BW/VL/VNNI (or AVX2/FMA/F16C)");
            }
            return choice;
        case matmul_kernels::automatic: break;
    }
    if (cpu_matmul_has_avx512vnni()) return matmul_kernels::avx512vnni;
    return cpu_matmul_has_avx2() ? matmul_kernels::avx2 : matmul_kernels::scalar;
}

// Bytes of one row of k elements of `type`; k must be a whole number of blocks.
int64_t checked_row_bytes(tensor_type type, int64_t k) {
    uint64_t bytes = 0;
    if (!row_bytes(type, static_cast<uint64_t>(k), bytes)) {
        throw std::invalid_argument("cpu_matmul: K = " + std::to_string(k) + " is not a multiple of the " +
                                    find_tensor_type(static_cast<uint32_t>(type))->name + " block size");
    }
    return static_cast<int64_t>(bytes);
}

// Below this many activation values the conversion is not worth waking threads for.
constexpr int64_t parallel_conversion_threshold = 1 << 15;

// Converts the M rows of X (contiguous, K apart) into `out`, rows back to back.
// Blocks are independent, so the M·K values are split over threads by block.
void convert_rows(thread_pool& pool, tensor_type activation_type, const float* X, int64_t M, int64_t K, uint8_t* out) {
    const tensor_type_traits& traits = *find_tensor_type(static_cast<uint32_t>(activation_type));
    const int64_t n_blocks = M * K / traits.block_size;
    auto convert_blocks = [&](int64_t first, int64_t last) {
        convert_matmul_activations(activation_type, X + first * traits.block_size, out + first * traits.type_size,
                                   (last - first) * traits.block_size);
    };
    if (pool.size() == 1 || M * K < parallel_conversion_threshold) {
        convert_blocks(0, n_blocks);
        return;
    }
    pool.run([&](int ith, int nth) {
        const auto range = thread_range(n_blocks, ith, nth);
        convert_blocks(range.first, range.second);
    });
}

// Prefill tiling. A tile is `activation_tile_rows` activation rows × one chunk
// of weight rows; inside a tile each weight row is used for every activation
// row of the tile while it sits in L1, and a chunk (about
// weight_chunk_target_bytes) stays in L2 across the tiles of all activation
// rows. Tiles are ordered chunk-major and dealt to threads in contiguous runs,
// so each thread streams a disjoint slice of W from memory once.
constexpr int64_t activation_tile_rows = 8;
constexpr int64_t weight_chunk_target_bytes = 32 * 1024;
constexpr int64_t max_weight_chunk_rows = 64;
// With a tile kernel (matmul_tile.h) chunks are a whole number of its
// micro-tiles (up to 16 weight rows wide): a partial micro-tile computes its
// missing rows anyway (at K = 5632 Q8_0 a 32 KiB chunk is 5 rows, computed as 8).
constexpr int64_t tile_weight_chunk_multiple = 16;

struct matmul_problem {
    vec_dot_fn dot;
    matmul_tile_fn tile;     // for prefill, when not null
    matmul_tile_fn tile_x4;  // for its first M − M mod 4 rows (see interleaved_kernels)
    bool decode_tile;        // decode with `tile` too (interleaved kernels)
    const uint8_t* W;
    int64_t w_row_bytes;
    const uint8_t* X;  // converted activations
    int64_t x_row_bytes;
    int64_t N, K, M;
    float* Y;
    int64_t ldy;
};

// Decode (M = 1): each thread computes a contiguous, balanced share of outputs
// (with a tile kernel, in whole groups of tile_weight_chunk_multiple weight rows).
void run_decode(thread_pool& pool, const matmul_problem& p) {
    if (p.decode_tile) {
        pool.run([&](int ith, int nth) {
            const int64_t group = tile_weight_chunk_multiple;
            const auto groups = thread_range((p.N + group - 1) / group, ith, nth);
            const int64_t n_first = group * groups.first;
            const int64_t n_last = std::min(p.N, group * groups.second);
            if (n_first >= n_last) return;
            p.tile(matmul_tile{p.K, p.W + n_first * p.w_row_bytes, p.w_row_bytes, n_last - n_first, p.X, p.x_row_bytes,
                               1, p.Y + n_first, p.ldy});
        });
        return;
    }
    pool.run([&](int ith, int nth) {
        const auto rows = thread_range(p.N, ith, nth);
        for (int64_t n = rows.first; n < rows.second; ++n) {
            p.Y[n] = p.dot(p.K, p.W + n * p.w_row_bytes, p.X);
        }
    });
}

void run_prefill(thread_pool& pool, const matmul_problem& p) {
    int64_t chunk_rows = std::clamp<int64_t>(weight_chunk_target_bytes / p.w_row_bytes, 1, max_weight_chunk_rows);
    if (p.tile != nullptr) {
        chunk_rows = (chunk_rows + tile_weight_chunk_multiple - 1) / tile_weight_chunk_multiple * tile_weight_chunk_multiple;
    }
    const int64_t n_chunks = (p.N + chunk_rows - 1) / chunk_rows;
    const int64_t n_m_tiles = (p.M + activation_tile_rows - 1) / activation_tile_rows;
    pool.run([&](int ith, int nth) {
        const auto tiles = thread_range(n_chunks * n_m_tiles, ith, nth);
        for (int64_t tile = tiles.first; tile < tiles.second; ++tile) {
            const int64_t n_first = (tile / n_m_tiles) * chunk_rows;
            const int64_t n_last = std::min(p.N, n_first + chunk_rows);
            const int64_t m_first = (tile % n_m_tiles) * activation_tile_rows;
            const int64_t m_last = std::min(p.M, m_first + activation_tile_rows);
            if (p.tile != nullptr) {
                auto run_tile = [&](matmul_tile_fn fn, int64_t first, int64_t last) {
                    if (first >= last) return;
                    fn(matmul_tile{p.K, p.W + n_first * p.w_row_bytes, p.w_row_bytes, n_last - n_first,
                                   p.X + first * p.x_row_bytes, p.x_row_bytes, last - first, p.Y + first * p.ldy + n_first,
                                   p.ldy});
                };
                const int64_t rows_x4 = std::clamp(p.M - p.M % 4, m_first, m_last);
                run_tile(p.tile_x4, m_first, rows_x4);
                run_tile(p.tile, rows_x4, m_last);
                continue;
            }
            for (int64_t n = n_first; n < n_last; ++n) {
                const uint8_t* w_row = p.W + n * p.w_row_bytes;
                for (int64_t m = m_first; m < m_last; ++m) {
                    p.Y[m * p.ldy + n] = p.dot(p.K, w_row, p.X + m * p.x_row_bytes);
                }
            }
        }
    });
}

} // namespace

bool cpu_matmul_supports(tensor_type type) {
    return find_weight_kernels(type) != nullptr;
}

bool cpu_matmul_has_avx2() {
    const cpu_features& features = host_cpu_features();
    return features.avx2 && features.fma && features.f16c;
}

bool cpu_matmul_has_avx512vnni() {
    const cpu_features& features = host_cpu_features();
    return cpu_matmul_has_avx2() && features.avx512f && features.avx512bw && features.avx512vl && features.avx512vnni;
}

tensor_type matmul_activation_type(tensor_type type) {
    return require_weight_kernels(type).activation_type;
}

void convert_matmul_activations(tensor_type activation_type, const float* x, void* out, int64_t n) {
    switch (activation_type) {
        case tensor_type::F32: return copy_activations_f32(x, out, n);
        case tensor_type::F16: return convert_activations_f16(x, out, n);
        case tensor_type::BF16: return convert_activations_bf16(x, out, n);
        case tensor_type::Q8_0: return quantize_activations_q8_0(x, out, n);
        case tensor_type::Q8_1: return quantize_activations_q8_1(x, out, n);
        case tensor_type::Q8_K: return quantize_activations_q8_K(x, out, n);
        default: throw std::invalid_argument("convert_matmul_activations: not an activation format");
    }
}

void cpu_matmul(thread_pool& pool, matmul_workspace& ws, tensor_type type, const void* W, int64_t N, int64_t K,
                const float* X, int64_t M, float* Y, int64_t ldy, matmul_kernels kernels) {
    const weight_kernels& weight = require_weight_kernels(type);
    if (N < 0 || K < 0 || M < 0) throw std::invalid_argument("cpu_matmul: negative size");
    if (M > 1 && ldy < N) throw std::invalid_argument("cpu_matmul: ldy < N");
    const int64_t w_row_bytes = checked_row_bytes(type, K);
    const int64_t x_row_bytes = checked_row_bytes(weight.activation_type, K);
    if (N == 0 || M == 0) return;
    if (K == 0) {  // empty sums
        for (int64_t m = 0; m < M; ++m) std::fill(Y + m * ldy, Y + m * ldy + N, 0.0f);
        return;
    }

    const matmul_kernels resolved = resolve_kernels(kernels);
    const interleaved_kernels& il = weight.interleaved;
    const bool interleaved = il.avx2 != nullptr && N % 8 == 0 && resolved != matmul_kernels::scalar &&
                             (!il.needs_avx512 || resolved == matmul_kernels::avx512vnni);
    const bool il_avx512 = resolved == matmul_kernels::avx512vnni && il.avx512vnni != nullptr;
    const matmul_tile_fn tile = interleaved                              ? (il_avx512 ? il.avx512vnni : il.avx2)
                                : resolved == matmul_kernels::avx512vnni ? weight.avx512vnni_tile
                                : resolved == matmul_kernels::avx2       ? weight.avx2_tile
                                                                         : nullptr;
    const matmul_tile_fn tile_x4 = !interleaved ? tile : il_avx512 ? il.avx512vnni_x4 : il.avx2_x4;
    const vec_dot_fn dot = resolved == matmul_kernels::scalar                            ? weight.scalar
                           : resolved == matmul_kernels::avx512vnni && weight.avx512 != nullptr ? weight.avx512
                                                                                                 : weight.avx2;
    matmul_problem problem{dot, tile, tile_x4, interleaved,
                           static_cast<const uint8_t*>(W), w_row_bytes, nullptr, x_row_bytes, N, K, M, Y, ldy};
    if (weight.activation_type == tensor_type::F32) {
        problem.X = reinterpret_cast<const uint8_t*>(X);  // already in the dot-product format
    } else {
        ws.activations.resize(static_cast<size_t>(M * x_row_bytes));
        convert_rows(pool, weight.activation_type, X, M, K, ws.activations.data());
        problem.X = ws.activations.data();
    }
    if (M == 1) {
        run_decode(pool, problem);
    } else {
        run_prefill(pool, problem);
    }
}

void cpu_matmul(thread_pool& pool, matmul_workspace& ws, tensor_type type, const void* W, int64_t N, int64_t K,
                const float* X, int64_t M, float* Y, int64_t ldy) {
    cpu_matmul(pool, ws, type, W, N, K, X, M, Y, ldy, matmul_kernels::automatic);
}

} // namespace llava
