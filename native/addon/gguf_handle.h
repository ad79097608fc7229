// GgufHandle: the JS face of one parsed, memory-mapped GGUF file
// (lib/gguf/GgufFile.ts wraps it). Metadata scalars are returned eagerly;
// arrays are described and read on request, so a 32000-entry vocabulary costs
// nothing until someone asks for it.
#pragma once

#include "gguf/gguf_file.h"

#include <napi.h>

#include <memory>

namespace llava_addon {

class gguf_handle : public Napi::ObjectWrap<gguf_handle> {
public:
    static void define(Napi::Env env, Napi::Object exports);
    explicit gguf_handle(const Napi::CallbackInfo& info);

private:
    static Napi::Value open(const Napi::CallbackInfo& info);
    Napi::Value info(const Napi::CallbackInfo& info);
    Napi::Value metadata(const Napi::CallbackInfo& info);
    Napi::Value read_array(const Napi::CallbackInfo& info);
    Napi::Value tensors(const Napi::CallbackInfo& info);
    Napi::Value tensor_bytes(const Napi::CallbackInfo& info);
    Napi::Value dequantize(const Napi::CallbackInfo& info);
    Napi::Value close(const Napi::CallbackInfo& info);

    const llava::gguf_file& file(Napi::Env env) const;
    const llava::gguf_tensor_info& tensor_at(const Napi::CallbackInfo& info) const;

    std::shared_ptr<const llava::gguf_file> file_;
};

} // namespace llava_addon
