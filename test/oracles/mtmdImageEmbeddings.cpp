// Oracle: llama.cpp's mtmd image path as built into @fugood/llama.node@1.7.15,
// called through the C API its native module exports (linked directly, the
// N-API symbols it also needs stay unresolved and unused). For one text model,
// mmproj and raw RGB image it writes
//   <out>.pixels.f32  the encoder's input as llama.cpp feeds its patch
//                     convolution (the im2col rows, already rounded to f16),
//                     [n_patches][3·p·p] in (channel, ky, kx) order;
//   <out>.embd.f32    the image embeddings, [n_tokens][n_embd].
// Usage: mtmdImageEmbeddings MODEL MMPROJ RGB_FILE WIDTH HEIGHT OUT_PREFIX
// Headers: llama.h and ggml.h from the package's own llama.cpp sources. mtmd.h
// is not shipped, so the few mtmd functions are declared here, and
// mtmd_context_params is handled as the bytes its default constructor returns:
// in this build n_threads sits at offset 4, flash_attn_type at 24, warmup at
// 28 and the eval callback at 40 (probed from the returned defaults).
#include "ggml.h"
#include "llama.h"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
struct mtmd_context;
struct mtmd_bitmap;
struct mtmd_input_chunks;
struct mtmd_input_chunk;
struct mtmd_batch;
struct mtmd_params_bytes {
    unsigned char bytes[256];
};
struct mtmd_input_text {
    const char* text;
    bool add_special;
    bool parse_special;
};
mtmd_params_bytes mtmd_context_params_default();
mtmd_context* mtmd_init_from_file(const char* mmproj, const llama_model* model, mtmd_params_bytes params);
mtmd_bitmap* mtmd_bitmap_init(uint32_t nx, uint32_t ny, const unsigned char* rgb);
mtmd_input_chunks* mtmd_input_chunks_init();
int32_t mtmd_tokenize(mtmd_context* ctx, mtmd_input_chunks* out, const mtmd_input_text* text, const mtmd_bitmap** bitmaps,
                      size_t n_bitmaps);
size_t mtmd_input_chunks_size(const mtmd_input_chunks* chunks);
const mtmd_input_chunk* mtmd_input_chunks_get(const mtmd_input_chunks* chunks, size_t i);
int mtmd_input_chunk_get_type(const mtmd_input_chunk* chunk);
size_t mtmd_input_chunk_get_n_tokens(const mtmd_input_chunk* chunk);
const char* mtmd_default_marker();
mtmd_batch* mtmd_batch_init(mtmd_context* ctx);
int32_t mtmd_batch_add_chunk(mtmd_batch* batch, const mtmd_input_chunk* chunk);
int32_t mtmd_batch_encode(mtmd_batch* batch);
float* mtmd_batch_get_output_embd(mtmd_batch* batch, const mtmd_input_chunk* chunk);
}

namespace {

constexpr int image_chunk_type = 1;
std::string g_out_prefix;

bool write_floats(const std::string& path, const float* data, size_t n) {
    FILE* f = std::fopen(path.c_str(), "wb");
    if (f == nullptr) return false;
    const bool ok = std::fwrite(data, sizeof(float), n, f) == n;
    return std::fclose(f) == 0 && ok;
}

// Keeps the first IM2COL result of the vision graph: the pixels as the patch convolution reads them.
bool capture_pixels(ggml_tensor* t, bool ask, void*) {
    if (t->op != GGML_OP_IM2COL) return !ask;
    if (ask) return true;
    if (t->type != GGML_TYPE_F16 && t->type != GGML_TYPE_F32) return true;
    std::vector<float> values;
    for (int64_t i2 = 0; i2 < t->ne[2]; ++i2) {
        for (int64_t i1 = 0; i1 < t->ne[1]; ++i1) {
            for (int64_t i0 = 0; i0 < t->ne[0]; ++i0) {
                const char* p = static_cast<const char*>(t->data) + i0 * t->nb[0] + i1 * t->nb[1] + i2 * t->nb[2];
                values.push_back(t->type == GGML_TYPE_F16 ? ggml_fp16_to_fp32(*reinterpret_cast<const ggml_fp16_t*>(p))
                                                          : *reinterpret_cast<const float*>(p));
            }
        }
    }
    if (!write_floats(g_out_prefix + ".pixels.f32", values.data(), values.size())) std::exit(3);
    return true;
}

} // namespace

int main(int argc, char** argv) {
    if (argc != 7) {
        std::fprintf(stderr, "usage: %s MODEL MMPROJ RGB_FILE WIDTH HEIGHT OUT_PREFIX\n", argv[0]);
        return 2;
    }
    const uint32_t width = static_cast<uint32_t>(std::strtoul(argv[4], nullptr, 10));
    const uint32_t height = static_cast<uint32_t>(std::strtoul(argv[5], nullptr, 10));
    g_out_prefix = argv[6];
    std::vector<unsigned char> rgb(static_cast<size_t>(width) * height * 3);
    FILE* in = std::fopen(argv[3], "rb");
    if (in == nullptr || std::fread(rgb.data(), 1, rgb.size(), in) != rgb.size()) {
        std::fprintf(stderr, "%s: cannot read %zu bytes of RGB\n", argv[3], rgb.size());
        return 1;
    }
    std::fclose(in);

    llama_backend_init();
    llama_model_params model_params = llama_model_default_params();
    model_params.n_gpu_layers = 0;
    llama_model* model = llama_model_load_from_file(argv[1], model_params);
    if (model == nullptr) return 1;

    mtmd_params_bytes params = mtmd_context_params_default();
    const int n_threads = 2;
    const bool warmup = false;
    const auto callback = &capture_pixels;
    std::memcpy(params.bytes + 4, &n_threads, sizeof n_threads);
    std::memcpy(params.bytes + 28, &warmup, sizeof warmup);
    std::memcpy(params.bytes + 40, &callback, sizeof callback);
    mtmd_context* ctx = mtmd_init_from_file(argv[2], model, params);
    if (ctx == nullptr) return 1;

    const mtmd_bitmap* bitmaps[1] = {mtmd_bitmap_init(width, height, rgb.data())};
    const std::string prompt = std::string("USER: ") + mtmd_default_marker() + "\nWhat is in the image?";
    const mtmd_input_text text{prompt.c_str(), true, true};
    mtmd_input_chunks* chunks = mtmd_input_chunks_init();
    if (mtmd_tokenize(ctx, chunks, &text, bitmaps, 1) != 0) return 1;
    for (size_t i = 0; i < mtmd_input_chunks_size(chunks); ++i) {
        const mtmd_input_chunk* chunk = mtmd_input_chunks_get(chunks, i);
        if (mtmd_input_chunk_get_type(chunk) != image_chunk_type) continue;
        mtmd_batch* batch = mtmd_batch_init(ctx);
        if (mtmd_batch_add_chunk(batch, chunk) != 0 || mtmd_batch_encode(batch) != 0) return 1;
        const size_t n = mtmd_input_chunk_get_n_tokens(chunk) * static_cast<size_t>(llama_model_n_embd(model));
        if (!write_floats(g_out_prefix + ".embd.f32", mtmd_batch_get_output_embd(batch, chunk), n)) return 3;
        return 0;
    }
    std::fprintf(stderr, "no image chunk\n");
    return 1;
}
