// Per-environment state of the addon (one per Node.js worker thread that
// loads it): the constructors that native code uses to create JS objects.
#pragma once

#include <napi.h>

namespace llava_addon {

struct addon_data {
    Napi::FunctionReference gguf_handle;
    Napi::FunctionReference model_handle;
    Napi::FunctionReference vision_handle;
};

inline addon_data& data_of(Napi::Env env) { return *env.GetInstanceData<addon_data>(); }

} // namespace llava_addon
