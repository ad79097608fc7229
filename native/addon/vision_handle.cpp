#include "vision_handle.h"

#include "addon_data.h"
#include "js_convert.h"
#include "promise_worker.h"

#include <string>
#include <vector>

namespace llava_addon {

void vision_handle::define(Napi::Env env, Napi::Object exports) {
    Napi::Function ctor = DefineClass(env, "VisionHandle",
                                      {
                                          StaticMethod<&vision_handle::load>("load"),
                                          InstanceMethod<&vision_handle::info>("info"),
                                          InstanceMethod<&vision_handle::encode>("encode"),
                                          InstanceMethod<&vision_handle::abort>("abort"),
                                          InstanceMethod<&vision_handle::dispose>("dispose"),
                                      });
    data_of(env).vision_handle = Napi::Persistent(ctor);
    exports.Set("VisionHandle", ctor);
}

vision_handle::vision_handle(const Napi::CallbackInfo& info) : Napi::ObjectWrap<vision_handle>(info) {
    if (info.Length() != 1 || !info[0].IsExternal()) throw Napi::TypeError::New(info.Env(), "use VisionHandle.load(...)");
    vision_ = *info[0].As<Napi::External<std::shared_ptr<llava::clip_vision>>>().Data();
}

// load(path, threads) → Promise<VisionHandle>; mapping and validating the file happen off the JS thread.
Napi::Value vision_handle::load(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsString()) throw Napi::TypeError::New(env, "path must be a string");
    const std::string path = info[0].As<Napi::String>();
    const auto threads = static_cast<int>(integer_arg(info[1], "threads"));
    auto result = std::make_shared<std::shared_ptr<llava::clip_vision>>();
    return promise_worker::start(
        env, [=] { *result = llava::clip_vision::load(path, threads); },
        [result](Napi::Env env) -> Napi::Value {
            return data_of(env).vision_handle.New(
                {Napi::External<std::shared_ptr<llava::clip_vision>>::New(env, result.get())});
        });
}

void vision_handle::require_idle(Napi::Env env) const {
    if (!vision_) throw Napi::Error::New(env, "the vision model was disposed");
    if (operation_.busy()) throw Napi::Error::New(env, "the vision model is busy (operations must be serialised)");
}

Napi::Value vision_handle::info(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!vision_) throw Napi::Error::New(env, "the vision model was disposed");
    const llava::clip_hparams& h = vision_->hparams();
    Napi::Object out = Napi::Object::New(env);
    out.Set("imageSize", static_cast<double>(h.image_size));
    out.Set("patchSize", static_cast<double>(h.patch_size));
    out.Set("nPatches", static_cast<double>(h.n_patches));
    out.Set("width", static_cast<double>(h.width));
    out.Set("outputWidth", static_cast<double>(vision_->output_width()));
    out.Set("blockCount", static_cast<double>(h.block_count));
    return out;
}

// encode(pixels: Float32Array [3][S][S], mode: 'reference' | 'llama.cpp' | 'llama.cpp-portable', wantPreProjector)
//   → Promise<{ embeddings: Float32Array [nPatches × outputWidth], preProjector?: Float32Array [nPatches × width] }>.
Napi::Value vision_handle::encode(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Float32Array pixels = float32_array_arg(info[0], "pixels");
    if (!info[1].IsString()) throw Napi::TypeError::New(env, "mode must be a string");
    const std::string mode_name = info[1].As<Napi::String>();
    if (mode_name != "reference" && mode_name != "llama.cpp" && mode_name != "llama.cpp-portable") {
        throw Napi::RangeError::New(env, "mode must be 'reference', 'llama.cpp' or 'llama.cpp-portable', got '" + mode_name + "'");
    }
    const llava::clip_mode mode = mode_name == "reference"            ? llava::clip_mode::reference
                                  : mode_name == "llama.cpp-portable" ? llava::clip_mode::llama_cpp_portable
                                                                      : llava::clip_mode::llama_cpp;
    const bool want_pre_projector = info[2].ToBoolean();
    require_idle(env);
    const int64_t side = vision_->image_size();
    if (pixels.ElementLength() != static_cast<size_t>(3 * side * side)) {
        throw Napi::RangeError::New(env, "pixels must hold 3 × " + std::to_string(side) + " × " + std::to_string(side) +
                                             " floats (planar RGB)");
    }

    const float* data = pixels.Data();
    auto embeddings = std::make_shared<std::vector<float>>();
    auto pre_projector = std::make_shared<std::vector<float>>();
    std::shared_ptr<llava::clip_vision> vision = vision_;
    std::shared_ptr<operation_flags> flags = operation_.begin();
    return promise_worker::start(
        env,
        [=] {
            operation_end end{flags};
            embeddings->resize(static_cast<size_t>(vision->n_patches() * vision->output_width()));
            if (want_pre_projector) pre_projector->resize(static_cast<size_t>(vision->n_patches() * vision->width()));
            vision->encode(data, mode, embeddings->data(), want_pre_projector ? pre_projector->data() : nullptr,
                           &flags->abort);
        },
        [embeddings, pre_projector, want_pre_projector](Napi::Env env) -> Napi::Value {
            Napi::Object out = Napi::Object::New(env);
            out.Set("embeddings", to_float32_array(env, *embeddings));
            if (want_pre_projector) out.Set("preProjector", to_float32_array(env, *pre_projector));
            return out;
        },
        {pixels});
}

Napi::Value vision_handle::abort(const Napi::CallbackInfo& info) {
    operation_.abort();
    return info.Env().Undefined();
}

Napi::Value vision_handle::dispose(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (vision_) require_idle(env);
    vision_.reset();
    return env.Undefined();
}

} // namespace llava_addon
