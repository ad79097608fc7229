// ModelHandle: the JS face of one loaded text model and its decoder (KV cache,
// thread pool). lib/LlavaModel.ts owns it and runs one operation at a time;
// `abort()` stops the operation in flight between two kernels.
#pragma once

#include "model/llama_decoder.h"
#include "model/llama_model.h"
#include "operation_slot.h"

#include <napi.h>

#include <memory>

namespace llava_addon {

class model_handle : public Napi::ObjectWrap<model_handle> {
public:
    static void define(Napi::Env env, Napi::Object exports);
    explicit model_handle(const Napi::CallbackInfo& info);

    // What a load produces, handed from the worker to the constructor.
    struct loaded {
        std::unique_ptr<llava::llama_model> model;
        std::unique_ptr<llava::llama_decoder> decoder;
    };

private:
    static Napi::Value load(const Napi::CallbackInfo& info);
    Napi::Value info(const Napi::CallbackInfo& info);
    Napi::Value evaluate_tokens(const Napi::CallbackInfo& info);
    Napi::Value evaluate_embeddings(const Napi::CallbackInfo& info);
    Napi::Value n_past(const Napi::CallbackInfo& info);
    Napi::Value truncate(const Napi::CallbackInfo& info);
    Napi::Value abort(const Napi::CallbackInfo& info);
    Napi::Value dispose(const Napi::CallbackInfo& info);

    template <typename Run>
    Napi::Value evaluate(Napi::Env env, int64_t rows, bool all_logits, Napi::Value input, Run run);
    void require_idle(Napi::Env env) const;

    // Shared with in-flight workers, so a dispose cannot free what they use.
    std::shared_ptr<loaded> state_;
    operation_slot operation_;
};

} // namespace llava_addon
