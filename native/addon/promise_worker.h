// Runs a piece of native work on libuv's thread pool and settles a promise
// with its result, so heavy work never blocks the JavaScript thread.
//
// `work` runs off the JS thread and must not touch napi values; `finish` runs
// back on the JS thread and turns the work's result into a JS value. Inputs
// that live in JS memory are pinned with `keep_alive` for the duration.
#pragma once

#include "js_errors.h"

#include <napi.h>

#include <exception>
#include <functional>
#include <vector>

namespace llava_addon {

class promise_worker : public Napi::AsyncWorker {
public:
    using work_fn = std::function<void()>;
    using finish_fn = std::function<Napi::Value(Napi::Env)>;

    static Napi::Promise start(Napi::Env env, work_fn work, finish_fn finish, std::vector<Napi::Value> keep_alive = {}) {
        auto* worker = new promise_worker(env, std::move(work), std::move(finish), keep_alive);
        Napi::Promise promise = worker->deferred_.Promise();
        worker->Queue(); // libuv owns the worker from here and deletes it when done
        return promise;
    }

private:
    promise_worker(Napi::Env env, work_fn work, finish_fn finish, const std::vector<Napi::Value>& keep_alive)
        : Napi::AsyncWorker(env), deferred_(Napi::Promise::Deferred::New(env)), work_(std::move(work)),
          finish_(std::move(finish)) {
        for (const Napi::Value& value : keep_alive) pinned_.push_back(Napi::Persistent(value.As<Napi::Object>()));
    }

    void Execute() override {
        try {
            work_();
        } catch (...) {
            error_ = std::current_exception();
        }
    }

    void OnOK() override {
        Napi::Env env = Env();
        if (error_) {
            deferred_.Reject(error_to_js(env, error_));
            return;
        }
        try {
            deferred_.Resolve(finish_(env));
        } catch (const Napi::Error& e) {
            deferred_.Reject(e.Value());
        } catch (...) {
            deferred_.Reject(error_to_js(env, std::current_exception()));
        }
    }

    Napi::Promise::Deferred deferred_;
    work_fn work_;
    finish_fn finish_;
    std::exception_ptr error_;
    std::vector<Napi::ObjectReference> pinned_;
};

} // namespace llava_addon
