// Developer tool: runs llama.cpp (node-llama-cpp's shared libraries) on a GGUF
// text model with an eval callback that keeps every intermediate tensor, then
// feeds each of our decoder's operations llama.cpp's own inputs and reports,
// per layer and operation, whether our output is bit-identical to llama.cpp's.
// A "DIFF" line names the first differing element. See llamacpp-diff.sh.
//
//   op_diff LIBDIR MODEL "PROMPT" [--decode] [--variant NAME]
//
// --decode evaluates all but the last prompt token first, then compares the
// single-token step; --variant loads libggml-cpu-NAME.so (e.g. haswell for the
// AVX2 build) instead of the best one for this CPU, and runs our AVX2 kernels
// for attention and SiLU. Matmul kernels are still chosen for this CPU, so on
// an AVX-512 machine Q2_K differs under --variant haswell: llama.cpp repacks
// Q2_K only on AVX-512, and our AVX-512 kernel follows that layout.
#include "ggml-backend.h"
#include "ggml.h"
#include "llama.h"

#include "backend/cpu/attention.h"
#include "backend/cpu/elementwise.h"
#include "backend/cpu/elementwise_simd.h"
#include "backend/cpu/matmul.h"
#include "backend/cpu/thread_pool.h"
#include "formats/half.h"
#include "model/llama_model.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

namespace {

struct captured {
    std::vector<float> values; // contiguous, ne0 fastest
    int64_t ne[4];
};

// "name#OP" → the last tensor computed under that name and operation.
std::map<std::string, captured> g_tensors;

float element(const ggml_tensor* t, int64_t i0, int64_t i1, int64_t i2, int64_t i3) {
    const char* p = static_cast<const char*>(t->data) + i0 * t->nb[0] + i1 * t->nb[1] + i2 * t->nb[2] + i3 * t->nb[3];
    return t->type == GGML_TYPE_F32 ? *reinterpret_cast<const float*>(p)
                                    : llava::f16_to_f32(*reinterpret_cast<const uint16_t*>(p));
}

bool keep_tensor(ggml_tensor* t, bool ask, void*) {
    if (ask) return true;
    if (t->type != GGML_TYPE_F32 && t->type != GGML_TYPE_F16) return true;
    captured c;
    std::copy(t->ne, t->ne + 4, c.ne);
    c.values.reserve(static_cast<size_t>(ggml_nelements(t)));
    for (int64_t i3 = 0; i3 < t->ne[3]; ++i3)
        for (int64_t i2 = 0; i2 < t->ne[2]; ++i2)
            for (int64_t i1 = 0; i1 < t->ne[1]; ++i1)
                for (int64_t i0 = 0; i0 < t->ne[0]; ++i0) c.values.push_back(element(t, i0, i1, i2, i3));
    g_tensors[std::string(t->name) + "#" + ggml_op_desc(t)] = std::move(c);
    return true;
}

const captured& tensor(const std::string& key) {
    const auto it = g_tensors.find(key);
    if (it == g_tensors.end()) {
        std::fprintf(stderr, "llama.cpp computed no tensor %s\n", key.c_str());
        std::exit(1);
    }
    return it->second;
}

const std::vector<float>& values(const std::string& key) { return tensor(key).values; }

int g_differing_ops = 0;

void compare(const char* what, int64_t layer, const std::vector<float>& theirs, const float* ours, size_t n) {
    size_t differing = 0, first = 0;
    double max_abs = 0.0;
    for (size_t i = 0; i < n; ++i) {
        if (std::memcmp(&theirs[i], &ours[i], sizeof(float)) == 0) continue;
        if (differing++ == 0) first = i;
        max_abs = std::max(max_abs, static_cast<double>(std::fabs(theirs[i] - ours[i])));
    }
    std::printf("L%-3lld %-12s %s %zu/%zu differ", static_cast<long long>(layer), what, differing ? "DIFF" : "same",
                differing, n);
    if (differing) std::printf(", max %.3g, first at %zu: llama.cpp %.9g ours %.9g", max_abs, first, theirs[first], ours[first]);
    std::printf("\n");
    if (differing) ++g_differing_ops;
}

} // namespace

int main(int argc, char** argv) {
    if (argc < 4) {
        std::fprintf(stderr, "usage: %s LIBDIR MODEL PROMPT [--decode] [--variant NAME]\n", argv[0]);
        return 2;
    }
    const std::string libdir = argv[1], path = argv[2], prompt = argv[3];
    bool decode_step = false;
    std::string variant;
    for (int i = 4; i < argc; ++i) {
        if (std::strcmp(argv[i], "--decode") == 0) decode_step = true;
        if (std::strcmp(argv[i], "--variant") == 0 && i + 1 < argc) variant = argv[++i];
    }
    const bool avx2_variant = variant == "haswell";
    const int n_threads = 2;

    // llama.cpp, with every tensor kept.
    if (variant.empty()) {
        ggml_backend_load_all_from_path(libdir.c_str());
    } else if (ggml_backend_load((libdir + "/libggml-cpu-" + variant + ".so").c_str()) == nullptr) {
        std::fprintf(stderr, "cannot load the %s build of ggml-cpu from %s\n", variant.c_str(), libdir.c_str());
        return 1;
    }
    llama_model_params model_params = llama_model_default_params();
    model_params.n_gpu_layers = 0;
    llama_model* their_model = llama_model_load_from_file(path.c_str(), model_params);
    if (their_model == nullptr) return 1;
    llama_context_params ctx_params = llama_context_default_params();
    ctx_params.n_ctx = ctx_params.n_batch = ctx_params.n_ubatch = 512;
    ctx_params.n_threads = ctx_params.n_threads_batch = n_threads;
    ctx_params.flash_attn_type = LLAMA_FLASH_ATTN_TYPE_DISABLED; // the classic path our decoder mirrors
    ctx_params.cb_eval = keep_tensor;
    llama_context* ctx = llama_init_from_model(their_model, ctx_params);
    std::vector<llama_token> tokens(prompt.size() + 8);
    const int n_tokens = llama_tokenize(llama_model_get_vocab(their_model), prompt.c_str(), static_cast<int32_t>(prompt.size()),
                                        tokens.data(), static_cast<int32_t>(tokens.size()), true, false);
    if (n_tokens < 2) return 1;
    tokens.resize(static_cast<size_t>(n_tokens));
    llama_batch batch = llama_batch_init(n_tokens, 0, 1);
    auto evaluate = [&](int first, int count) {
        batch.n_tokens = count;
        for (int i = 0; i < count; ++i) {
            batch.token[i] = tokens[static_cast<size_t>(first + i)];
            batch.pos[i] = first + i;
            batch.n_seq_id[i] = 1;
            batch.seq_id[i][0] = 0;
            batch.logits[i] = 1;
        }
        if (llama_decode(ctx, batch) != 0) std::exit(1);
    };
    const int64_t pos0 = decode_step ? n_tokens - 1 : 0;
    if (decode_step) {
        evaluate(0, n_tokens - 1);
        g_tensors.clear();
    }
    evaluate(static_cast<int>(pos0), n_tokens - static_cast<int>(pos0));

    // Ours, op by op, on llama.cpp's inputs.
    const auto ours = llava::llama_model::load(path);
    const llava::llama_hparams& h = ours->hparams();
    const llava::llama_weights& w = ours->weights();
    llava::thread_pool pool(n_threads);
    llava::matmul_workspace ws;
    const int64_t n = n_tokens - pos0, d = h.n_embd, q_width = h.n_head * h.head_dim, kv_width = h.n_head_kv * h.head_dim;
    std::vector<float> out(static_cast<size_t>(n * std::max(h.n_vocab, h.n_ff)));
    std::vector<int32_t> positions(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) positions[static_cast<size_t>(i)] = static_cast<int32_t>(pos0 + i);
    auto matmul = [&](const llava::weight_tensor& wt, const std::vector<float>& x) {
        llava::cpu_matmul(pool, ws, wt.type, wt.data, wt.ne[1], wt.ne[0], x.data(), n, out.data(), wt.ne[1]);
    };
    for (int64_t il = 0; il < h.n_layer; ++il) {
        const llava::llama_layer_weights& l = w.layers[static_cast<size_t>(il)];
        const std::string s = "-" + std::to_string(il);
        const std::vector<float>& x = il == 0 ? values("embd#GET_ROWS") : values("l_out-" + std::to_string(il - 1) + "#ADD");
        llava::rms_norm(x.data(), static_cast<const float*>(l.attn_norm.data), out.data(), n, d, h.rms_eps);
        compare("attn_norm", il, values("attn_norm" + s + "#MUL"), out.data(), static_cast<size_t>(n * d));
        const std::vector<float>& normed = values("attn_norm" + s + "#MUL");
        matmul(l.wq, normed);
        compare("q matmul", il, values("Qcur" + s + "#MUL_MAT"), out.data(), static_cast<size_t>(n * q_width));
        matmul(l.wk, normed);
        compare("k matmul", il, values("Kcur" + s + "#MUL_MAT"), out.data(), static_cast<size_t>(n * kv_width));
        matmul(l.wv, normed);
        compare("v matmul", il, values("Vcur" + s + "#MUL_MAT"), out.data(), static_cast<size_t>(n * kv_width));
        std::vector<float> q = values("Qcur" + s + "#MUL_MAT");
        llava::rope_adjacent(q.data(), n, q_width, h.n_head, h.head_dim, h.n_rot, positions.data(), h.rope_freq_base,
                             h.rope_freq_scale);
        compare("q rope", il, values("Qcur" + s + "#ROPE"), q.data(), q.size());
        std::vector<float> k = values("Kcur" + s + "#MUL_MAT");
        llava::rope_adjacent(k.data(), n, kv_width, h.n_head_kv, h.head_dim, h.n_rot, positions.data(), h.rope_freq_base,
                             h.rope_freq_scale);
        compare("k rope", il, values("Kcur" + s + "#ROPE"), k.data(), k.size());

        // Attention over llama.cpp's whole cache: K [head][key][dim], V transposed [head][dim][key].
        const int64_t n_keys = pos0 + n;
        const captured& kc = tensor("cache_k_l" + std::to_string(il) + " (view) (permuted)#PERMUTE");
        const captured& vc = tensor("cache_v_l" + std::to_string(il) + " (view) (permuted)#PERMUTE");
        const int64_t cache_len = kc.ne[1];
        std::vector<uint16_t> k16(static_cast<size_t>(n_keys * kv_width)), v16(k16.size());
        for (int64_t key = 0; key < n_keys; ++key) {
            for (int64_t hh = 0; hh < h.n_head_kv; ++hh) {
                for (int64_t i = 0; i < h.head_dim; ++i) {
                    const size_t o = static_cast<size_t>(key * kv_width + hh * h.head_dim + i);
                    k16[o] = llava::f32_to_f16(kc.values[static_cast<size_t>((hh * cache_len + key) * h.head_dim + i)]);
                    v16[o] = llava::f32_to_f16(vc.values[static_cast<size_t>((hh * h.head_dim + i) * cache_len + key)]);
                }
            }
        }
        llava::attention_params p{};
        p.n_queries = n;
        p.n_keys = n_keys;
        p.n_head = h.n_head;
        p.n_head_kv = h.n_head_kv;
        p.head_dim = h.head_dim;
        p.scale = 1.0f / std::sqrt(static_cast<float>(h.head_dim));
        p.causal = true;
        p.q_stride = p.out_stride = q_width;
        p.kv_stride = kv_width;
        const std::vector<float>& roped_q = values("Qcur" + s + "#ROPE");
        if (avx2_variant) {
            llava::cpu_attention_f16(pool, p, llava::attention_kernel::avx2, roped_q.data(), k16.data(), v16.data(), out.data());
        } else {
            llava::cpu_attention_f16(pool, p, roped_q.data(), k16.data(), v16.data(), out.data());
        }
        compare("attention", il, values("kqv_out" + s + "#CONT"), out.data(), static_cast<size_t>(n * q_width));
        matmul(l.wo, values("kqv_out" + s + "#CONT"));
        compare("wo matmul", il, values("attn_out" + s + "#MUL_MAT"), out.data(), static_cast<size_t>(n * d));

        const std::vector<float>& ffn_in = values("ffn_inp" + s + "#ADD");
        llava::rms_norm(ffn_in.data(), static_cast<const float*>(l.ffn_norm.data), out.data(), n, d, h.rms_eps);
        compare("ffn_norm", il, values("ffn_norm" + s + "#MUL"), out.data(), static_cast<size_t>(n * d));
        matmul(l.ffn_gate, values("ffn_norm" + s + "#MUL"));
        compare("gate matmul", il, values("ffn_gate" + s + "#MUL_MAT"), out.data(), static_cast<size_t>(n * h.n_ff));
        matmul(l.ffn_up, values("ffn_norm" + s + "#MUL"));
        compare("up matmul", il, values("ffn_up" + s + "#MUL_MAT"), out.data(), static_cast<size_t>(n * h.n_ff));
        const std::vector<float>& gate = values("ffn_gate" + s + "#MUL_MAT");
        const std::vector<float>& up = values("ffn_up" + s + "#MUL_MAT");
        if (avx2_variant) {
            llava::silu_mul_avx2(gate.data(), up.data(), out.data(), n * h.n_ff);
        } else {
            llava::silu_mul(gate.data(), up.data(), out.data(), n * h.n_ff);
        }
        compare("swiglu", il, values("ffn_swiglu" + s + "#SWIGLU"), out.data(), static_cast<size_t>(n * h.n_ff));
        matmul(l.ffn_down, values("ffn_swiglu" + s + "#SWIGLU"));
        compare("down matmul", il, values("ffn_out" + s + "#MUL_MAT"), out.data(), static_cast<size_t>(n * d));
    }
    const std::vector<float>& last = values("l_out-" + std::to_string(h.n_layer - 1) + "#ADD");
    llava::rms_norm(last.data(), static_cast<const float*>(w.output_norm.data), out.data(), n, d, h.rms_eps);
    compare("output norm", -1, values("result_norm#MUL"), out.data(), static_cast<size_t>(n * d));
    matmul(w.output, values("result_norm#MUL"));
    compare("output", -1, values("result_output#MUL_MAT"), out.data(), static_cast<size_t>(n * h.n_vocab));

    llama_batch_free(batch);
    llama_free(ctx);
    llama_model_free(their_model);
    std::printf("%d operation(s) differ\n", g_differing_ops);
    return g_differing_ops == 0 ? 0 : 3;
}
