#include "model_handle.h"

#include "addon_data.h"
#include "js_convert.h"
#include "promise_worker.h"

#include <string>

namespace llava_addon {

void model_handle::define(Napi::Env env, Napi::Object exports) {
    Napi::Function ctor = DefineClass(env, "ModelHandle",
                                      {
                                          StaticMethod<&model_handle::load>("load"),
                                          InstanceMethod<&model_handle::info>("info"),
                                          InstanceMethod<&model_handle::evaluate_tokens>("evaluateTokens"),
                                          InstanceMethod<&model_handle::evaluate_embeddings>("evaluateEmbeddings"),
                                          InstanceMethod<&model_handle::n_past>("nPast"),
                                          InstanceMethod<&model_handle::truncate>("truncate"),
                                          InstanceMethod<&model_handle::abort>("abort"),
                                          InstanceMethod<&model_handle::dispose>("dispose"),
                                      });
    data_of(env).model_handle = Napi::Persistent(ctor);
    exports.Set("ModelHandle", ctor);
}

model_handle::model_handle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<model_handle>(info) {
    if (info.Length() != 1 || !info[0].IsExternal()) throw Napi::TypeError::New(info.Env(), "use ModelHandle.load(...)");
    state_ = *info[0].As<Napi::External<std::shared_ptr<loaded>>>().Data();
}

// load(path, contextSize, threads, numerics: 'llama.cpp' | 'llama.cpp-portable' | 'reference') → Promise<ModelHandle>;
// mapping and validating the file and allocating the KV cache happen off the JS thread.
Napi::Value model_handle::load(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsString()) throw Napi::TypeError::New(env, "path must be a string");
    const std::string path = info[0].As<Napi::String>();
    const auto context_size = static_cast<int64_t>(integer_arg(info[1], "contextSize"));
    const auto threads = static_cast<int>(integer_arg(info[2], "threads"));
    const std::string numerics_name = info[3].IsString() ? std::string(info[3].As<Napi::String>()) : "";
    if (numerics_name != "llama.cpp" && numerics_name != "llama.cpp-portable" && numerics_name != "reference") {
        throw Napi::RangeError::New(env, "numerics must be 'llama.cpp', 'llama.cpp-portable' or 'reference'");
    }
    const auto numerics = numerics_name == "reference"            ? llava::decoder_numerics::reference
                          : numerics_name == "llama.cpp-portable" ? llava::decoder_numerics::llama_cpp_portable
                                                                  : llava::decoder_numerics::llama_cpp;
    auto result = std::make_shared<std::shared_ptr<loaded>>(std::make_shared<loaded>());
    return promise_worker::start(
        env,
        [=] {
            loaded& l = **result;
            l.model = llava::llama_model::load(path);
            const int64_t n_ctx = context_size > 0 ? context_size : l.model->hparams().n_ctx_train;
            l.decoder = std::make_unique<llava::llama_decoder>(*l.model, n_ctx, threads, numerics);
        },
        [result](Napi::Env env) -> Napi::Value {
            return data_of(env).model_handle.New({Napi::External<std::shared_ptr<loaded>>::New(env, result.get())});
        });
}

void model_handle::require_idle(Napi::Env env) const {
    if (!state_) throw Napi::Error::New(env, "the model was disposed");
    if (operation_.busy()) throw Napi::Error::New(env, "the model is busy (operations must be serialised)");
}

Napi::Value model_handle::info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!state_) throw Napi::Error::New(env, "the model was disposed");
    const llava::llama_hparams& h = state_->model->hparams();
    Napi::Object out = Napi::Object::New(env);
    out.Set("architecture", h.architecture);
    out.Set("nVocab", static_cast<double>(h.n_vocab));
    out.Set("nEmbd", static_cast<double>(h.n_embd));
    out.Set("nLayer", static_cast<double>(h.n_layer));
    out.Set("nHead", static_cast<double>(h.n_head));
    out.Set("nHeadKv", static_cast<double>(h.n_head_kv));
    out.Set("nFf", static_cast<double>(h.n_ff));
    out.Set("nCtxTrain", static_cast<double>(h.n_ctx_train));
    out.Set("contextSize", static_cast<double>(state_->decoder->cache().n_ctx()));
    return out;
}

template <typename Run>
Napi::Value model_handle::evaluate(Napi::Env env, int64_t rows, bool all_logits, Napi::Value input, Run run) {
    require_idle(env);
    const int64_t n_vocab = state_->model->hparams().n_vocab;
    auto logits = std::make_shared<std::vector<float>>();
    std::shared_ptr<loaded> state = state_;
    std::shared_ptr<operation_flags> flags = operation_.begin();
    return promise_worker::start(
        env,
        [=] {
            operation_end end{flags};
            logits->resize(static_cast<size_t>((all_logits ? rows : 1) * n_vocab));
            run(*state->decoder, logits->data(), &flags->abort);
        },
        [logits](Napi::Env env) -> Napi::Value { return to_float32_array(env, *logits); }, {input});
}

// evaluateTokens(tokens: Int32Array, allLogits) → Promise<Float32Array>.
Napi::Value model_handle::evaluate_tokens(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsTypedArray() || info[0].As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) {
        throw Napi::TypeError::New(env, "tokens must be an Int32Array");
    }
    Napi::Int32Array tokens = info[0].As<Napi::Int32Array>();
    const bool all_logits = info[1].ToBoolean();
    const int32_t* data = tokens.Data();
    const auto n = static_cast<int64_t>(tokens.ElementLength());
    return evaluate(env, n, all_logits, tokens, [=](llava::llama_decoder& decoder, float* logits, const std::atomic<bool>* abort) {
        decoder.decode_tokens(data, n, all_logits, logits, abort);
    });
}

// evaluateEmbeddings(rows: Float32Array of n × nEmbd, allLogits) → Promise<Float32Array>.
Napi::Value model_handle::evaluate_embeddings(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Float32Array rows = float32_array_arg(info[0], "rows");
    const bool all_logits = info[1].ToBoolean();
    if (!state_) throw Napi::Error::New(env, "the model was disposed");
    const int64_t width = state_->model->hparams().n_embd;
    if (rows.ElementLength() % static_cast<size_t>(width) != 0) {
        throw Napi::RangeError::New(env, "embedding rows must be a multiple of the model width " + std::to_string(width));
    }
    const float* data = rows.Data();
    const auto n = static_cast<int64_t>(rows.ElementLength()) / width;
    return evaluate(env, n, all_logits, rows, [=](llava::llama_decoder& decoder, float* logits, const std::atomic<bool>* abort) {
        decoder.decode_embeddings(data, n, all_logits, logits, abort);
    });
}

Napi::Value model_handle::n_past(const Napi::CallbackInfo& info) {
    if (!state_) throw Napi::Error::New(info.Env(), "the model was disposed");
    return Napi::Number::New(info.Env(), static_cast<double>(state_->decoder->cache().n_past()));
}

Napi::Value model_handle::truncate(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    require_idle(env);
    const auto n = static_cast<int64_t>(integer_arg(info[0], "positions"));
    translate_errors(env, [&] { state_->decoder->cache().truncate(n); });
    return env.Undefined();
}

Napi::Value model_handle::abort(const Napi::CallbackInfo& info) {
    operation_.abort();
    return info.Env().Undefined();
}

Napi::Value model_handle::dispose(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (state_) require_idle(env);
    state_.reset();
    return env.Undefined();
}

} // namespace llava_addon
