// Tensor-format functions for JS: the type table, and quantize / dequantize of
// whole rows (used by GgufWriter, make-tiny-model and the format tests).
#pragma once

#include <napi.h>

namespace llava_addon {

void define_formats(Napi::Env env, Napi::Object exports);

} // namespace llava_addon
