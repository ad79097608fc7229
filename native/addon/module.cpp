// Addon entry point. The same sources build the CPU addon (node-gyp) and the
// CUDA addon (cmake-js, LLAVA_CUDA defined); `backend` tells JS which one it got.
#include "backend/cpu/cpu_features.h"
#include "addon_data.h"
#include "formats_binding.h"
#include "gguf_handle.h"
#include "model_handle.h"
#include "vision_handle.h"
#ifdef LLAVA_CUDA
#include "cuda_binding.h"
#endif

#include <napi.h>

namespace llava_addon {

namespace {

Napi::Value cpu_features(const Napi::CallbackInfo& info) {
    const llava::cpu_features& f = llava::host_cpu_features();
    Napi::Object out = Napi::Object::New(info.Env());
    out.Set("avx2", f.avx2);
    out.Set("fma", f.fma);
    out.Set("f16c", f.f16c);
    out.Set("avx512f", f.avx512f);
    out.Set("avx512bw", f.avx512bw);
    out.Set("avx512vl", f.avx512vl);
    return out;
}

} // namespace

Napi::Object init_module(Napi::Env env, Napi::Object exports) {
    env.SetInstanceData(new addon_data()); // deleted by Node when the environment exits
#ifdef LLAVA_CUDA
    exports.Set("backend", "cuda");
    define_cuda(env, exports);
#else
    exports.Set("backend", "cpu");
#endif
    exports.Set("cpuFeatures", Napi::Function::New(env, cpu_features, "cpuFeatures"));
    gguf_handle::define(env, exports);
    model_handle::define(env, exports);
    vision_handle::define(env, exports);
    define_formats(env, exports);
    return exports;
}

} // namespace llava_addon

static Napi::Object init(Napi::Env env, Napi::Object exports) { return llava_addon::init_module(env, exports); }

NODE_API_MODULE(llava, init)
