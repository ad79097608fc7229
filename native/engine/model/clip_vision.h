// A loaded CLIP vision tower with its LLaVA projector (spec §5.4): one
// image_size² planar image in, one projected embedding row per patch out.
//
//   patch embed (CLS first, + positions; see clip_mode for llama.cpp's order) → pre-LN → blocks [LN1 → Q, K, V →
//   bidirectional attention → out proj → residual → LN2 → fc1 → act → fc2 →
//   residual] → (post-LN if the file has one) → drop CLS → mm.2(GELU(mm.0(x)))
//
// Not reentrant: one encode at a time (the thread pool and scratch are shared).
#pragma once

#include "backend/cpu/matmul.h"
#include "backend/cpu/thread_pool.h"
#include "gguf/gguf_file.h"
#include "model/clip_hparams.h"
#include "model/clip_weights.h"

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace llava {

// Which semantics encode follows (spec §5.5).
enum class clip_mode {
    // Original LLaVA / HF: every stored block (a legacy file already stores
    // CLIP's layers − 1) and the exact erf GELU in the projector.
    reference,
    // Current llama.cpp's (mtmd, models/llava.cpp; spec §5.5):
    //  - block_count − 1 blocks (the last stored one is never run);
    //  - the class token is appended after the patches, yet positions are
    //    added in sequence order (patch n gets row n, CLS the last row), and
    //    the output takes sequence rows 1..n_patches: patches 1.. and CLS;
    //  - GELU (tanh approximation) and quick-GELU through ggml's f16 tables;
    //  - attention keys and values rounded to f16 (CPU flash attention).
    // Its arithmetic is that of llama.cpp's AVX2/AVX-512 builds where our
    // kernels mirror them (matmuls, activation conversions).
    llama_cpp,
    // The same semantics in the arithmetic of llama.cpp's portable x86-64 build
    // (backend/cpu/portable/): its matmuls, LayerNorm and tiled flash
    // attention, bit for bit — what @fugood/llama.node's linux-x64 binary computes.
    llama_cpp_portable,
};

class clip_vision {
public:
    // Throws gguf_error for unreadable files and for files that are not a usable LLaVA mmproj.
    static std::unique_ptr<clip_vision> load(const std::string& path, int n_threads);

    const clip_hparams& hparams() const { return hparams_; }
    int64_t n_patches() const { return hparams_.n_patches; }
    int64_t width() const { return hparams_.width; }
    int64_t output_width() const { return weights_.output_width(); }
    int64_t image_size() const { return hparams_.image_size; }
    // Blocks encode runs in `mode`.
    int64_t blocks_run(clip_mode mode) const;

    // pixels_chw: [3][image_size][image_size], normalised. out: [n_patches][output_width].
    // pre_projector (optional): [n_patches][width], the tower output fed to the projector.
    // Throws `aborted` (polled between blocks) when *abort becomes true.
    void encode(const float* pixels_chw, clip_mode mode, float* out, float* pre_projector, const std::atomic<bool>* abort);

private:
    clip_vision(std::unique_ptr<gguf_file> file, clip_hparams hparams, clip_weights weights, int n_threads);

    void matmul(clip_mode mode, const weight_tensor& w, const float* x, int64_t rows, float* y);
    void matmul_bias(clip_mode mode, const weight_tensor& w, const weight_tensor& bias, const float* x, int64_t rows, float* y);
    // LayerNorm with `weight` and `bias` over rows of width; out may alias x.
    void norm(clip_mode mode, const weight_tensor& weight, const weight_tensor& bias, const float* x, float* out, int64_t rows);
    void run_block(const clip_block_weights& l, clip_mode mode, float* x, int64_t n_tokens);

    std::unique_ptr<gguf_file> file_;
    clip_hparams hparams_;
    clip_weights weights_;
    std::vector<float> positions_; // [n_patches + 1][width], dequantized once
    thread_pool pool_;
    matmul_workspace workspace_;
};

} // namespace llava
