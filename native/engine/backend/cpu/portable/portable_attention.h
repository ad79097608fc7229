// llama.cpp's classic (non-flash) attention over an f16 KV cache as its
// portable x86-64 build computes it (see portable_matmul.h): queries rounded
// to f16; each score q·k and each output Σ p·v a double sum of float products
// in order; the softmax scaled, shifted by the row max, exponentiated with
// exp_portable, summed in 4-key chunks ((0+1)+(2+3), added into a double),
// normalised by (float)(1/Σ) and rounded to f16 before the value sum.
#pragma once

#include "backend/cpu/attention.h"
#include "backend/cpu/thread_pool.h"

#include <cstdint>

namespace llava {

// Same contract as cpu_attention_f16 (attention.h).
void cpu_attention_f16_portable(thread_pool& pool, const attention_params& p, const float* q, const uint16_t* k,
                                const uint16_t* v, float* out);

} // namespace llava
