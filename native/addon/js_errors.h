// Turns engine exceptions into JavaScript Error objects that carry enough
// structure (`nativeCode`, `field`, `offset`) for lib/errors.ts to rebuild the
// matching typed error (GgufError, ...) with the file path attached.
#pragma once

#include <napi.h>

#include <exception>

namespace llava_addon {

Napi::Value error_to_js(Napi::Env env, std::exception_ptr error);

// Runs `body`, rethrowing engine exceptions as JS exceptions (for synchronous methods).
template <typename Body>
auto translate_errors(Napi::Env env, Body&& body) -> decltype(body()) {
    try {
        return body();
    } catch (const Napi::Error&) {
        throw;
    } catch (...) {
        throw Napi::Error(env, error_to_js(env, std::current_exception()));
    }
}

} // namespace llava_addon
