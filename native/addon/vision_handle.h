// VisionHandle: the JS face of one loaded CLIP vision tower + LLaVA projector
// (an mmproj file) and its thread pool. One operation at a time; `abort()`
// stops the encode in flight between two encoder blocks.
#pragma once

#include "model/clip_vision.h"
#include "operation_slot.h"

#include <napi.h>

#include <memory>

namespace llava_addon {

class vision_handle : public Napi::ObjectWrap<vision_handle> {
public:
    static void define(Napi::Env env, Napi::Object exports);
    explicit vision_handle(const Napi::CallbackInfo& info);

private:
    static Napi::Value load(const Napi::CallbackInfo& info);
    Napi::Value info(const Napi::CallbackInfo& info);
    Napi::Value encode(const Napi::CallbackInfo& info);
    Napi::Value abort(const Napi::CallbackInfo& info);
    Napi::Value dispose(const Napi::CallbackInfo& info);

    void require_idle(Napi::Env env) const;

    // Shared with in-flight workers, so a dispose cannot free what they use.
    std::shared_ptr<llava::clip_vision> vision_;
    operation_slot operation_;
};

} // namespace llava_addon
