// What the running CPU can execute, probed once at run time. Kernels compiled
// for AVX2/FMA or AVX-512 are only called when these say so, which lets one
// binary run on any x86-64.
#pragma once

namespace llava {

struct cpu_features {
    bool avx2 = false;
    bool fma = false;
    bool f16c = false;
    bool avx512f = false;
    bool avx512dq = false;
    bool avx512bw = false;
    bool avx512vl = false;
    bool avx512vnni = false;
};

const cpu_features& host_cpu_features();

} // namespace llava
