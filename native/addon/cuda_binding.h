// The `cuda` object of the CUDA addon: device listing (the loader's probe) and
// GPU versions of engine functions for the tests that compare them with the CPU.
#pragma once

#include <napi.h>

namespace llava_addon {

void define_cuda(Napi::Env env, Napi::Object exports);

} // namespace llava_addon
