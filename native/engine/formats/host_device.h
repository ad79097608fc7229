// LLAVA_HOST_DEVICE marks small inline functions that must be callable from both
// ordinary C++ and CUDA kernels (format conversions, block decoders).
#pragma once

#if defined(__CUDACC__)
#define LLAVA_HOST_DEVICE __host__ __device__
#else
#define LLAVA_HOST_DEVICE
#endif
