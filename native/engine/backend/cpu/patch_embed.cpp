#include "backend/cpu/patch_embed.h"

#include "backend/cpu/dequantize_cpu.h"

#include <algorithm>
#include <stdexcept>
#include <vector>

namespace llava {

namespace {

// Patches unfolded per matmul: enough rows that each kernel block is reused
// many times, few enough that the scratch stays in cache (64 × 588 floats ≈ 150 KiB).
constexpr int64_t tile_patches = 64;

void validate(const patch_embed_input& in) {
    if (in.image_size <= 0 || in.patch_size <= 0 || in.width <= 0 || in.image_size % in.patch_size != 0) {
        throw std::invalid_argument("patch embedding: the image side must be a positive multiple of the patch side");
    }
}

// u_n (see the header) for patch n into `dst` [3·p²].
void unfold_patch(const patch_embed_input& in, int64_t n, float* dst) {
    const int64_t p = in.patch_size;
    const int64_t s = in.image_size;
    const int64_t grid = s / p;
    const int64_t y0 = (n / grid) * p;
    const int64_t x0 = (n % grid) * p;
    for (int64_t c = 0; c < 3; ++c) {
        for (int64_t ky = 0; ky < p; ++ky) {
            const float* src = in.pixels + (c * s + y0 + ky) * s + x0;
            std::copy(src, src + p, dst + (c * p + ky) * p);
        }
    }
}

// Row 0 gets the class embedding; every row gets the bias (patch rows) and its position.
void add_tokens_and_positions(const patch_embed_input& in, int64_t n_patches, float* out) {
    const int64_t w = in.width;
    for (int64_t i = 0; i < w; ++i) out[i] = in.class_embd[i] + in.positions[i];
    for (int64_t r = 1; r <= n_patches; ++r) {
        float* row = out + r * w;
        const float* pos = in.positions + r * w;
        if (in.bias != nullptr) {
            for (int64_t i = 0; i < w; ++i) row[i] += in.bias[i];
        }
        for (int64_t i = 0; i < w; ++i) row[i] += pos[i];
    }
}

} // namespace

void cpu_patch_embed(thread_pool& pool, matmul_workspace& ws, const patch_embed_input& in, float* out) {
    validate(in);
    const int64_t patch_len = 3 * in.patch_size * in.patch_size;
    const int64_t grid = in.image_size / in.patch_size;
    const int64_t n_patches = grid * grid;
    std::vector<float> tile(static_cast<size_t>(std::min(tile_patches, n_patches) * patch_len)); // [tile][3·p²]
    for (int64_t first = 0; first < n_patches; first += tile_patches) {
        const int64_t count = std::min(tile_patches, n_patches - first);
        for (int64_t t = 0; t < count; ++t) unfold_patch(in, first + t, tile.data() + t * patch_len);
        float* rows = out + (1 + first) * in.width;
        cpu_matmul_in(in.arithmetic, pool, ws, in.kernel_type, in.kernel, in.width, patch_len, tile.data(), count, rows,
                      in.width);
    }
    add_tokens_and_positions(in, n_patches, out);
}

void patch_embed_ref(const patch_embed_input& in, float* out) {
    validate(in);
    const int64_t patch_len = 3 * in.patch_size * in.patch_size;
    const int64_t grid = in.image_size / in.patch_size;
    const int64_t n_patches = grid * grid;
    uint64_t row_size = 0;
    if (!row_bytes(in.kernel_type, static_cast<uint64_t>(patch_len), row_size)) {
        throw std::invalid_argument("patch embedding: the patch length does not fit the kernel format's blocks");
    }
    std::vector<float> kernel(static_cast<size_t>(in.width * patch_len)); // [width][3·p²]
    for (int64_t o = 0; o < in.width; ++o) {
        cpu_dequantize_row(in.kernel_type, static_cast<const uint8_t*>(in.kernel) + static_cast<uint64_t>(o) * row_size,
                           kernel.data() + o * patch_len, patch_len);
    }
    std::vector<float> u(static_cast<size_t>(patch_len));
    for (int64_t n = 0; n < n_patches; ++n) {
        unfold_patch(in, n, u.data());
        for (int64_t o = 0; o < in.width; ++o) {
            const float* k = kernel.data() + o * patch_len;
            double sum = 0.0;
            for (int64_t j = 0; j < patch_len; ++j) sum += static_cast<double>(k[j]) * static_cast<double>(u[j]);
            out[(1 + n) * in.width + o] = static_cast<float>(sum);
        }
    }
    add_tokens_and_positions(in, n_patches, out);
}

} // namespace llava
